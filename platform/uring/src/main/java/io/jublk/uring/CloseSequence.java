package io.jublk.uring;

import io.jublk.uring.internal.Liburing;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a ring closes: cancel what is in flight, reap until it is quiet (or only operations that the ring's
 * exit alone ends are left, or the close timeout is out), then unmap and close the ring, and free the
 * memory the kernel may write only if nothing is still in flight.
 */
final class CloseSequence {
    // Logged under Ring's name, as before the split, so operators' log filters keep working.
    private static final Logger LOG = LoggerFactory.getLogger(Ring.class);
    private static final CompletionHandler DISCARD = (userData, res, flags) -> { };
    private static final long WAIT_SLICE_NANOS = 50_000_000L;

    private final RingOwnership ownership;
    private final SubmissionQueue sq;
    private final RingEnter entry;
    private final CompletionReaper reaper;
    private final Waker waker;
    private final Duration timeout;
    private final int ringFd;

    /** {@code waker} is null for a ring that is not wakeable. */
    CloseSequence(RingOwnership ownership, SubmissionQueue sq, RingEnter entry, CompletionReaper reaper,
            Waker waker, Duration timeout, int ringFd) {
        this.ownership = ownership;
        this.sq = sq;
        this.entry = entry;
        this.reaper = reaper;
        this.waker = waker;
        this.timeout = timeout;
        this.ringFd = ringFd;
    }

    /**
     * Closes the ring whose mappings are viewed through {@code views} and whose kernel-visible memory is
     * {@code memory}; the caller has checked that it is not closed yet. Returns true when every operation
     * completed and {@code memory} was freed.
     */
    boolean run(int onlyExitEnds, Arena views, MemorySegment struct, Arena memory) {
        Thread current = ownership.owner();
        boolean quiet;
        String why;
        boolean expected = false;
        if (current == Thread.currentThread()) {
            if (reaper.draining()) {
                throw new IllegalStateException("close() called from inside a completion handler");
            }
            quiet = quiesce(Math.max(0, onlyExitEnds));
            expected = !quiet && entry.inFlight() <= onlyExitEnds;
            why = expected ? "left to the ring's exit, which alone ends them"
                    : "no completion within " + timeout + " after cancelling";
        } else if (current == null || !current.isAlive()) {
            // Never adopted, or the owner died: the kernel cancels a dead task's requests, but we
            // cannot see when that is done, so memory is only freed if nothing was outstanding.
            quiet = entry.inFlight() == 0;
            why = "its owner thread ended without closing it";
        } else {
            throw new WrongThreadException("ring belongs to thread '" + current.getName()
                    + "', which is alive; only it may close the ring");
        }
        ownership.markClosed();
        if (waker != null) {
            waker.shutdown();
        }
        views.close();
        Liburing.queueExit(struct);
        if (waker != null) {
            closeQuietly(waker.eventFd());
        }
        if (quiet) {
            memory.close();
            return true;
        } else if (expected) {
            LOG.info("ring fd {} closed with {} operation(s) in flight ({}); keeping its memory", ringFd,
                    entry.inFlight(), why);
        } else {
            LOG.warn("ring fd {} closed with {} operation(s) in flight ({}); leaking its memory so the kernel"
                    + " cannot write into freed memory", ringFd, entry.inFlight(), why);
        }
        return false;
    }

    /**
     * Cancels everything and waits for the completions until no more than {@code onlyExitEnds} are in flight;
     * true when nothing is left in flight.
     */
    private boolean quiesce(int onlyExitEnds) {
        reaper.stopRearm();
        sq.dropUnpublished();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (entry.inFlight() <= onlyExitEnds && sq.drained()) {
                return entry.inFlight() == 0;
            }
            if (!sq.hasSpace()) {
                entry.enter(0, -1);
            }
            if (sq.hasSpace()) {
                sq.next().cancel(0, IoUring.ASYNC_CANCEL_ANY).internalUserData(Ring.UD_CANCEL);
            }
            entry.enter(0, -1);
            while (entry.inFlight() > onlyExitEnds || !sq.drained()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                entry.enter(1, Math.min(left, WAIT_SLICE_NANOS));
                reaper.drain(DISCARD);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("error while cancelling in-flight operations of ring fd {}", ringFd, e);
        }
        return entry.inFlight() == 0 && sq.drained();
    }

    private static void closeQuietly(int fd) {
        try {
            Linux.close(fd);
        } catch (ErrnoException e) {
            LOG.debug("closing fd {}", fd, e);
        }
    }
}
