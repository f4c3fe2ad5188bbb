package io.jublk.target;

import io.jublk.uring.Ring;

/**
 * What a queue handler may know about the queue it serves, and the queue thread's io_uring, on which
 * a target may do its own I/O.
 *
 * <p>Target I/O on the queue's ring: from {@link TargetQueue#submit} (or {@link TargetQueue#onCompletion}),
 * on the queue thread, take SQEs with {@code ring().sqe()} and give each a user data with
 * {@link #TARGET_USER_DATA} set, e.g. {@code TARGET_USER_DATA | tag}. The queue thread submits them with
 * its next batch and hands their completions to {@link TargetQueue#onCompletion}; user data without that
 * bit belong to the core (ublk commands carry the tag). The ring belongs to the queue thread: never use
 * it from another thread, and never drain, wait on or close it.
 */
public interface QueueContext {

    /**
     * Bit 62: marks a ring operation as the target's. User data with this bit set (and the sign bit clear)
     * go to {@link TargetQueue#onCompletion}; the other 62 bits are the target's to use.
     */
    long TARGET_USER_DATA = 1L << 62;

    int deviceId();

    int queueId();

    int queueDepth();

    /** The largest request, in bytes, this queue hands out. */
    int maxIoBytes();

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
     * {@link io.jublk.uring.Sqe#fixedFile()}. The registration lasts as long as the ring (the ring keeps
     * the file open until then). Queue thread only.
     *
     * @return the fixed-file index, or -1 when no slot is free or the queue offers none: then use the plain fd
     */
    default int registerFile(int fd) {
        return -1;
    }
}
