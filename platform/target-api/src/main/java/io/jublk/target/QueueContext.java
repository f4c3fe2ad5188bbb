package io.jublk.target;

import io.jublk.uring.Ring;

/**
 * What a queue handler may know about the queue it serves, and the queue thread's io_uring, on which
 * a target may do its own I/O.
 *
 * <p>Target I/O on the queue's ring: from {@link TargetQueue#submit} (or {@link TargetQueue#onCompletion}),
 * on the queue thread, take SQEs with {@code ring().sqe()} and give each the user data
 * {@link #userData(long) userData(cookie)}, e.g. {@code userData(tag)}. The queue thread submits them with its
 * next batch and hands each completion's cookie to {@link TargetQueue#onCompletion}. Every such SQE must
 * produce exactly one completion (no multishot operations, no IOSQE_CQE_SKIP_SUCCESS): the core counts them,
 * and a request taken back from a target that did not answer in time is handed to the next target only once
 * every operation the old one queued has completed (their completions are consumed by the core, never given
 * to another target). The ring belongs to the queue thread: never use it from another thread, and never
 * drain, wait on or close it.
 */
public interface QueueContext {

    /** The largest cookie {@link #userData(long)} carries: 48 bits. */
    long MAX_COOKIE = (1L << 48) - 1;

    int deviceId();

    int queueId();

    int queueDepth();

    /** The largest request, in bytes, this queue hands out. */
    int maxIoBytes();

    /**
     * The user data for one of this target's operations on {@link #ring()}: its completion goes to this
     * queue handler's {@link TargetQueue#onCompletion} with {@code cookie}, and to no other handler.
     *
     * @param cookie 0 to {@link #MAX_COOKIE}, the target's own (a tag, an operation kind, ...)
     * @throws IllegalArgumentException when {@code cookie} is out of range
     */
    long userData(long cookie);

    /**
     * The queue thread's ring, for target I/O (see the class comment). Its SQ may be smaller than the
     * number of operations in flight: {@link Ring#sqe()} submits early to make room, so take one SQE per
     * operation and do not build linked chains longer than {@link Ring#sqSpace()}.
     *
     * @throws UnsupportedOperationException when this queue offers no ring (e.g. a test harness without one)
     */
    default Ring ring() {
        throw new UnsupportedOperationException("this queue offers no io_uring to its target");
    }

    /**
     * Registers {@code fd} with {@link #ring()} as a fixed file, for SQEs marked with
     * {@link io.jublk.uring.Sqe#fixedFile()}. The registration lasts until this queue handler is closed and
     * its last operation has completed. Queue thread only.
     *
     * @return the fixed-file index, or -1 when no slot is free or the queue offers none: then use the plain fd
     */
    default int registerFile(int fd) {
        return -1;
    }
}
