package io.jublk.core.queue;

import io.jublk.target.QueueContext;
import io.jublk.target.TargetQueue;
import io.jublk.uring.Ring;
import java.util.concurrent.CompletableFuture;

/**
 * One attachment of a target to a queue: the target's queue handler, the generation its ring operations
 * carry ({@link UserData}), and what the queue must wait for before the handler may be closed and its
 * requests handed on. It is also the {@link QueueContext} the handler sees, so the user data it builds name
 * this attachment and no other.
 *
 * <p>Life cycle (queue thread only): attached → (detaching: no new requests, the handler answers what it
 * holds and still gets its completions) → (revoked: the core took its requests back; its completions are
 * consumed by the core) → released once it holds no request and no ring operation it queued is still in
 * flight: only then is its handler closed, its fixed files unregistered, and the requests it held handed on.
 */
final class TargetSlot implements QueueContext {
    final int generation;
    private final QueueRunner queue;
    TargetQueue handler;
    /** Zero copy, and the target takes registered buffers: requests name their table slot. */
    boolean registeredBuffers;
    /** Requests the handler holds now. */
    int requests;
    /** Ring operations the handler queued whose completion has not come yet. */
    long operations;
    /** Held requests taken back from this slot that wait for {@link #operations} to reach 0. */
    int fenced;
    /** No new requests go to it; it is released once idle. */
    boolean detaching;
    /** Its requests were taken back: its completions are the core's to consume. */
    boolean revoked;
    /** It threw (reported once). */
    boolean failed;
    /** Completes when the slot is released (handler closed); exceptionally when it never can be. */
    final CompletableFuture<Void> released = new CompletableFuture<>();

    TargetSlot(int generation, QueueRunner queue) {
        this.generation = generation;
        this.queue = queue;
    }

    boolean idle() {
        return requests == 0 && operations == 0;
    }

    @Override
    public long userData(long cookie) {
        return UserData.target(generation, cookie);
    }

    @Override
    public int deviceId() {
        return queue.spec().deviceId();
    }

    @Override
    public int queueId() {
        return queue.spec().queueId();
    }

    @Override
    public int queueDepth() {
        return queue.spec().depth();
    }

    @Override
    public int maxIoBytes() {
        return queue.spec().maxIoBytes();
    }

    @Override
    public Ring ring() {
        return queue.ring();
    }

    @Override
    public int registerFile(int fd) {
        return queue.registerFile(this, fd);
    }

    @Override
    public String toString() {
        return "target attachment " + generation + " (" + requests + " requests, " + operations + " operations"
                + (revoked ? ", revoked" : detaching ? ", detaching" : "") + ")";
    }
}
