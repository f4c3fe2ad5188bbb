package io.jublk.uring;

import static io.jublk.uring.internal.IoUringLayout.GETEVENTS_ARG_SIGMASK_SZ;
import static io.jublk.uring.internal.IoUringLayout.GETEVENTS_ARG_SIZE;
import static io.jublk.uring.internal.IoUringLayout.GETEVENTS_ARG_TS;
import static io.jublk.uring.internal.IoUringLayout.TIMESPEC_NSEC;
import static io.jublk.uring.internal.IoUringLayout.TIMESPEC_SEC;
import static io.jublk.uring.internal.IoUringLayout.TIMESPEC_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jublk.uring.internal.Liburing;
import io.jublk.uring.sys.ErrnoException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * io_uring_enter for one ring: publishes the queued SQEs, waits for completions (with a timeout through
 * IORING_FEAT_EXT_ARG) and counts the operations in flight. Its wait argument is allocated once, so a
 * timed wait allocates nothing.
 */
final class RingEnter {
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int EBUSY = 16;
    private static final int ETIME = 62;

    private final SubmissionQueue sq;
    private final int features;
    private final MemorySegment waitArg;
    private final MemorySegment waitTs;
    private int enterFd;
    private int enterFlags;
    private long inFlight;

    RingEnter(SubmissionQueue sq, int ringFd, int features, Arena memory) {
        this.sq = sq;
        this.features = features;
        this.enterFd = ringFd;
        this.waitArg = memory.allocate(GETEVENTS_ARG_SIZE, 8);
        this.waitTs = memory.allocate(TIMESPEC_SIZE, 8);
        waitArg.set(JAVA_INT, GETEVENTS_ARG_SIGMASK_SZ, 8);
        waitArg.set(JAVA_LONG, GETEVENTS_ARG_TS, waitTs.address());
    }

    /** Enters by the registered ring fd {@code fd} from now on (saves the fd lookup per call). */
    void useRegisteredRingFd(int fd) {
        enterFd = fd;
        enterFlags = IoUring.ENTER_REGISTERED_RING;
    }

    /** Operations the kernel took whose last completion has not been dispatched yet. */
    long inFlight() {
        return inFlight;
    }

    /** Counts one operation as finished (its last completion was dispatched). */
    void completed() {
        inFlight--;
    }

    /** Publishes queued SQEs and calls io_uring_enter if there is anything to submit or wait for. */
    int enter(int minComplete, long timeoutNanos) throws ErrnoException {
        int toSubmit = sq.publish();
        boolean getEvents = minComplete > 0
                || (sq.kernelFlags() & (IoUring.SQ_CQ_OVERFLOW | IoUring.SQ_TASKRUN)) != 0;
        if (toSubmit == 0 && !getEvents) {
            return 0;
        }
        if (minComplete > inFlight + toSubmit) {
            throw new IllegalStateException("waiting for " + minComplete + " completion(s) with only "
                    + (inFlight + toSubmit) + " operation(s) outstanding would never return");
        }
        int flags = enterFlags | (getEvents ? IoUring.ENTER_GETEVENTS : 0);
        int ret;
        do {
            ret = timeoutNanos >= 0 && minComplete > 0
                    ? enterTimed(toSubmit, minComplete, flags, timeoutNanos)
                    : Liburing.enter(enterFd, toSubmit, minComplete, flags);
        } while (ret == -EINTR);
        if (ret >= 0) {
            inFlight += ret;
            return ret;
        }
        if (ret == -ETIME || ret == -EBUSY || ret == -EAGAIN) {
            return 0; // out of time, or the kernel wants completions reaped before it takes more
        }
        throw new ErrnoException("io_uring_enter", -ret);
    }

    private int enterTimed(int toSubmit, int minComplete, int flags, long timeoutNanos) {
        if ((features & IoUring.FEAT_EXT_ARG) == 0) {
            throw new UnsupportedOperationException("timed waits need IORING_FEAT_EXT_ARG (Linux 5.11+)");
        }
        waitTs.set(JAVA_LONG, TIMESPEC_SEC, timeoutNanos / 1_000_000_000L);
        waitTs.set(JAVA_LONG, TIMESPEC_NSEC, timeoutNanos % 1_000_000_000L);
        return Liburing.enter2(enterFd, toSubmit, minComplete, flags | IoUring.ENTER_EXT_ARG, waitArg,
                GETEVENTS_ARG_SIZE);
    }

    /** Submits early so the SQ has room for one more SQE; refuses inside a linked chain. */
    void makeRoom() {
        if (sq.endsInLink()) {
            throw new IllegalStateException("submission queue full inside a linked chain;"
                    + " check sqSpace() before starting a chain");
        }
        try {
            enter(0, -1);
        } catch (ErrnoException e) {
            throw new UncheckedIOException(e);
        }
        if (!sq.hasSpace()) {
            throw new IllegalStateException("submission queue full and the kernel took none of it;"
                    + " drain completions first");
        }
    }

    /** Lets the kernel post completions it holds back (overflow list, deferred task work). */
    void flushCompletions() {
        int ret;
        do {
            ret = Liburing.enter(enterFd, 0, 0, enterFlags | IoUring.ENTER_GETEVENTS);
        } while (ret == -EINTR);
    }
}
