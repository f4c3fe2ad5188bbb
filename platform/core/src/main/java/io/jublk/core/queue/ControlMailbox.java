package io.jublk.core.queue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Actions other threads post to the queue thread (attach, detach, fail held requests), each with the
 * future it completes. The queue thread runs them between loop turns; once it has ended, they fail.
 */
final class ControlMailbox {
    /** An action for the queue thread and the future it completes. */
    private record Control(Consumer<CompletableFuture<Void>> action, CompletableFuture<Void> done) {
    }

    private final ConcurrentLinkedQueue<Control> controls = new ConcurrentLinkedQueue<>();

    /** Any thread: posts {@code action}; the caller wakes the queue thread. */
    CompletableFuture<Void> post(Consumer<CompletableFuture<Void>> action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        controls.add(new Control(action, done));
        return done;
    }

    boolean isEmpty() {
        return controls.isEmpty();
    }

    /**
     * Queue thread: runs what was posted, or fails it with {@code ended} when the thread has ended. An action
     * whose future is done already (its poster gave up waiting and cancelled it) is not run: nothing may
     * happen behind the back of a caller that was told it failed.
     */
    void run(String ended, boolean threadEnded) {
        for (Control c = controls.poll(); c != null; c = controls.poll()) {
            if (threadEnded) {
                c.done().completeExceptionally(new IllegalStateException(ended));
            } else if (!c.done().isDone()) {
                try {
                    c.action().accept(c.done());
                } catch (RuntimeException e) {
                    c.done().completeExceptionally(e);
                }
            }
        }
    }
}
