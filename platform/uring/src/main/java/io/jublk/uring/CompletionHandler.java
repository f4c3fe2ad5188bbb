package io.jublk.uring;

/**
 * Receives completions from {@link Ring#drain(CompletionHandler)} on the ring's owner thread.
 * Implement it with a long-lived object (not a capturing lambda) so draining does not allocate; map
 * {@code userData} to your request state through preallocated arrays.
 */
@FunctionalInterface
public interface CompletionHandler {
    /**
     * One completion.
     *
     * @param userData what the SQE carried ({@link Sqe#userData(long)})
     * @param res      the result: bytes transferred or 0 on success, {@code -errno} on failure
     *                 (turn it into a typed error with {@link io.jublk.uring.sys.ErrnoException#check})
     * @param flags    IORING_CQE_F_* flags
     */
    void onCompletion(long userData, int res, int flags);

    /** Another thread called {@link Waker#wake()}; check whatever it handed over. */
    default void onWakeup() {
    }
}
