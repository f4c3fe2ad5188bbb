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
     * The completion of an operation this target put on the queue's ring ({@link QueueContext#ring()}) with
     * {@link QueueContext#TARGET_USER_DATA} in its user data. Called on the queue thread, from the ring's
     * drain: it may queue further SQEs and complete requests (cheaply: no wake-up is needed), but must
     * not block, drain or wait on the ring.
     *
     * @param userData the SQE's user data, {@link QueueContext#TARGET_USER_DATA} included
     * @param res      bytes transferred or 0 on success, {@code -errno} on failure
     * @param flags    IORING_CQE_F_* flags
     */
    default void onCompletion(long userData, int res, int flags) {
        throw new IllegalStateException("target queue got a ring completion (user data 0x"
                + Long.toHexString(userData) + ") but does not submit ring operations");
    }

    /** Called on the queue thread after the last request of this queue was completed. */
    @Override
    default void close() {
    }
}
