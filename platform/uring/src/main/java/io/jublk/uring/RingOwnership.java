package io.jublk.uring;

/**
 * Which thread owns a ring and whether it is closed. Only the owner may submit, wait, drain or close; a
 * {@link RingConfig#handOff()} ring has no owner until {@link Ring#adopt()} and may be set up (registrations)
 * by any thread until then.
 */
final class RingOwnership {
    private final boolean handOff;
    private volatile Thread owner;
    private volatile boolean closed;

    RingOwnership(boolean handOff) {
        this.handOff = handOff;
    }

    Thread owner() {
        return owner;
    }

    boolean closed() {
        return closed;
    }

    /**
     * Checks that the caller may adopt the ring: false when it already owns it, true when nobody does.
     *
     * @throws IllegalStateException when closed
     * @throws WrongThreadException  when another thread owns it
     */
    boolean adoptable() {
        if (closed) {
            throw new IllegalStateException("ring is closed");
        }
        Thread current = owner;
        if (current == Thread.currentThread()) {
            return false;
        }
        if (current != null) {
            throw new WrongThreadException("ring already belongs to thread '" + current.getName() + "'");
        }
        return true;
    }

    /** Makes the calling thread the owner. */
    void take() {
        owner = Thread.currentThread();
    }

    /** Marks the ring closed; it has no owner from now on. */
    void markClosed() {
        closed = true;
        owner = null;
    }

    void checkOwner() {
        if (Thread.currentThread() != owner) {
            throw notOwner();
        }
    }

    void checkSetupAccess() {
        Thread current = owner;
        if (current == Thread.currentThread()) {
            return;
        }
        if (current == null && !closed && handOff) {
            return; // registering before the hand-off is what R_DISABLED rings are for
        }
        throw notOwner();
    }

    private RuntimeException notOwner() {
        if (closed) {
            return new IllegalStateException("ring is closed");
        }
        Thread current = owner;
        if (current == null) {
            return new IllegalStateException("ring is waiting for adopt() by the thread that will own it");
        }
        return new WrongThreadException("ring belongs to thread '" + current.getName() + "', not '"
                + Thread.currentThread().getName() + "'");
    }
}
