package io.jublk.uring;

import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The completion side of one ring: drains the CQ into a handler, keeps the wake-up read armed and waits
 * for one completion. {@link Ring} checks the calling thread before calling in.
 */
final class CompletionReaper {
    // Logged under Ring's name, as before the split, so operators' log filters keep working.
    private static final Logger LOG = LoggerFactory.getLogger(Ring.class);
    private static final int ECANCELED = 125;

    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private final RingEnter entry;
    private final int ringFd;
    private final Waker waker;
    private final MemorySegment wakeBuffer;
    private final Awaiter awaiter = new Awaiter();
    private boolean draining;
    private boolean stopRearm;

    /** {@code waker} and {@code wakeBuffer} are null for a ring that is not wakeable. */
    CompletionReaper(SubmissionQueue sq, CompletionQueue cq, RingEnter entry, int ringFd, Waker waker,
            MemorySegment wakeBuffer) {
        this.sq = sq;
        this.cq = cq;
        this.entry = entry;
        this.ringFd = ringFd;
        this.waker = waker;
        this.wakeBuffer = wakeBuffer;
    }

    /** Whether a completion handler is running (drain and close must not be re-entered from it). */
    boolean draining() {
        return draining;
    }

    int drain(CompletionHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (draining) {
            throw new IllegalStateException("drain() called from inside a completion handler");
        }
        draining = true;
        try {
            int total = 0;
            int idleFlushes = 0;
            for (;;) {
                int n = cq.reap(this, handler);
                total += n;
                int kernelFlags = sq.kernelFlags();
                // Overflowed CQEs must be flushed now that there is room. Deferred task work only when
                // nothing came: otherwise the caller's next submitAndWait runs it without an extra syscall.
                boolean overflow = (kernelFlags & IoUring.SQ_CQ_OVERFLOW) != 0;
                boolean deferred = (kernelFlags & IoUring.SQ_TASKRUN) != 0 && total == 0;
                if (!overflow && !deferred || n == 0 && ++idleFlushes > 2) {
                    return total;
                }
                entry.flushCompletions();
            }
        } finally {
            draining = false;
        }
    }

    int awaitCompletion(long userData, CompletionHandler others, long timeoutNanos)
            throws ErrnoException, TimeoutException {
        long deadline = System.nanoTime() + timeoutNanos;
        awaiter.start(userData, others);
        entry.enter(0, -1);
        for (;;) {
            drain(awaiter);
            if (awaiter.found()) {
                return awaiter.res();
            }
            if (timeoutNanos < 0) {
                entry.enter(1, -1);
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no completion for user data " + userData + " within "
                            + timeoutNanos + " ns");
                }
                entry.enter(1, left);
            }
        }
    }

    /** Called by the completion queue for each CQE: accounting, the ring's own operations, then the handler. */
    void dispatch(long userData, int res, int flags, CompletionHandler handler) {
        if ((flags & IoUring.CQE_F_MORE) == 0) {
            entry.completed();
        }
        if (userData < 0 && userData >= Ring.RESERVED_USER_DATA_MIN) {
            if (userData == Ring.UD_WAKE && !stopRearm && res != -ECANCELED) {
                if (res < 0) {
                    LOG.warn("wake-up read on ring fd {} failed: {}", ringFd, Errno.nameOf(-res));
                }
                armWake();
                handler.onWakeup();
            }
            return; // UD_CANCEL is the close-time cancel: nothing to do
        }
        handler.onCompletion(userData, res, flags);
    }

    /** Queues the read of the waker's eventfd whose completion wakes the ring's owner. */
    void armWake() {
        if (!sq.hasSpace()) {
            entry.makeRoom();
        }
        sq.next().read(waker.eventFd(), wakeBuffer, 0, 8, -1).internalUserData(Ring.UD_WAKE);
    }

    /** From now on a wake-up completion is not re-armed (the ring is closing). */
    void stopRearm() {
        stopRearm = true;
    }
}
