package io.jublk.uring;

import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wakes a ring's owner thread from any thread: writes to an eventfd that the ring always has a READ
 * pending on, so the owner's {@link Ring#submitAndWait(int)} returns and its handler's
 * {@link CompletionHandler#onWakeup()} runs. Hand work over through your own queue, then call
 * {@link #wake()}. Allocation-free; safe to call concurrently and after the ring closed (then it does nothing).
 */
public final class Waker {
    private final int eventFd;
    private final AtomicInteger callers = new AtomicInteger();
    private volatile boolean closed;

    Waker(int eventFd) {
        this.eventFd = eventFd;
    }

    /** Wakes the owner. Returns false when the ring is already closed. */
    public boolean wake() {
        callers.incrementAndGet();
        try {
            if (closed) {
                return false;
            }
            Linux.eventfdWrite(eventFd, 1);
            return true;
        } catch (ErrnoException e) {
            // Only EAGAIN at a counter near 2^64 could get here; the owner drains it on every wake-up.
            throw new IllegalStateException("waking the ring failed", e);
        } finally {
            callers.decrementAndGet();
        }
    }

    int eventFd() {
        return eventFd;
    }

    /** Stops new wake-ups and waits out those in progress, so the eventfd can be closed without racing a write. */
    void shutdown() {
        closed = true;
        while (callers.get() != 0) {
            Thread.onSpinWait();
        }
    }
}
