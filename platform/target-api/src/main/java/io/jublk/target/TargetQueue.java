package io.jublk.target;

/** The handler of one hardware queue's requests, driven by that queue's thread. */
public interface TargetQueue extends AutoCloseable {

    /**
     * Starts serving {@code request}. Called on the queue thread; must not block for long. The target
     * completes the request exactly once with {@link IoRequest#complete}, from any thread, now or later.
     * The request object and its buffer belong to the core again once completed.
     */
    void submit(IoRequest request);

    /**
     * The completion of an operation this queue handler put on the queue's ring ({@link QueueContext#ring()})
     * with the user data {@link QueueContext#userData(long) userData(cookie)}. Called on the queue thread, from
     * the ring's drain: it may queue further SQEs and complete requests (cheaply: no wake-up is needed), but
     * must not block, drain or wait on the ring. Completions of a handler the core has taken requests back
     * from are not delivered.
     *
     * @param cookie the cookie given to {@link QueueContext#userData(long)}
     * @param res    bytes transferred or 0 on success, {@code -errno} on failure
     * @param flags  IORING_CQE_F_* flags
     */
    default void onCompletion(long cookie, int res, int flags) {
        throw new IllegalStateException("target queue got a ring completion (cookie 0x"
                + Long.toHexString(cookie) + ") but does not submit ring operations");
    }

    /**
     * Called once on the queue thread after the last request of this handler was completed or taken back and
     * the last of its ring operations has completed.
     */
    @Override
    default void close() {
    }
}
