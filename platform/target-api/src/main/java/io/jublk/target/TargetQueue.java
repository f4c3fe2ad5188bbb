package io.jublk.target;

/** The handler of one hardware queue's requests, driven by that queue's thread. */
public interface TargetQueue extends AutoCloseable {

    /**
     * Starts serving {@code request}. Called on the queue thread; must not block for long. The target
     * completes the request exactly once with {@link IoRequest#complete}, from any thread, now or later.
     * The request object and its buffer belong to the core again once completed.
     */
    void submit(IoRequest request);

    /** Called on the queue thread after the last request of this queue was completed. */
    @Override
    default void close() {
    }
}
