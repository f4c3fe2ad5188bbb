package io.jublk.core.queue;

import io.jublk.target.IoOperation;
import io.jublk.target.Target;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hand-over of a queue's requests between its target attachments ({@link TargetSlots}): which target
 * gets a request, how one is detached, drained, taken back from and released, and when a request taken
 * back may go to the next one (see the core's README). Every call into a target's queue handler goes
 * through here, so that its ring operations are counted. Queue thread only.
 */
final class HandOver {
    private static final Logger LOG = LoggerFactory.getLogger(HandOver.class);
    private static final int EIO = Errno.EIO.number();

    private final QueueRunner queue;
    private final RequestPath path;
    private final QueueSpec spec;
    private final TagTable tags;
    private final Arena buffers;
    private final QueueRunner.TargetFailureListener failureListener;
    private final TargetSlots slots;
    private DispatchMode mode = DispatchMode.HOLD;
    /** Inside a target's callback: attachments are released after it, once its operations are counted. */
    private int inCallback;

    HandOver(QueueRunner queue, RequestPath path, QueueSpec spec, TagTable tags, Arena buffers,
             QueueRunner.TargetFailureListener failureListener) {
        this.queue = queue;
        this.path = path;
        this.spec = spec;
        this.tags = tags;
        this.buffers = buffers;
        this.failureListener = failureListener;
        this.slots = new TargetSlots(queue, spec);
    }

    TargetSlots slots() {
        return slots;
    }

    DispatchMode mode() {
        return mode;
    }

    /** Whether requests may name their registered buffer: zero copy, and the attached target takes them. */
    boolean registeredBuffers() {
        TargetSlot current = slots.current();
        return current != null && current.registeredBuffers;
    }

    // ---- attaching and detaching -----------------------------------------------------------------------

    /** Opens {@code target}'s queue handler and hands it every held request that is not fenced. */
    void attach(Target target, CompletableFuture<Void> done) {
        if (slots.current() != null) {
            done.completeExceptionally(new IllegalStateException("queue " + spec.queueId() + " still has a target"));
            return;
        }
        TargetSlot slot = slots.next();
        long since = slots.targetSqes();
        try {
            slot.handler = target.openQueue(slot);
        } catch (Throwable e) {
            slots.count(slot, since);
            LOG.warn("queue {} of device {}: the target would not open its queue", spec.queueId(), spec.deviceId(), e);
            slots.revoke(slot);
            releaseIfIdle(slot);
            done.completeExceptionally(e);
            return;
        }
        slots.count(slot, since);
        slot.registeredBuffers = spec.zeroCopy() && target.acceptsRegisteredBuffers();
        if (spec.zeroCopy() && !slot.registeredBuffers) {
            LOG.warn("queue {} of device {}: the target takes no registered buffers; its data goes through {}",
                    spec.queueId(), spec.deviceId(), spec.userCopy() ? "USER_COPY" : "nowhere (requests fail)");
        }
        slots.attach(slot);
        mode = DispatchMode.TARGET;
        for (int tag = 0; tag < tags.depth(); tag++) {
            if (tags.state(tag) == TagState.HELD && tags.fence[tag] == null) {
                unhold(tag);
            }
        }
        done.complete(null);
    }

    /** No new requests for the attached target; {@code done} completes once it is released. */
    void detach(CompletableFuture<Void> done) {
        TargetSlot slot = slots.current();
        if (slot == null) {
            done.complete(null);
            return;
        }
        if (mode == DispatchMode.TARGET) {
            mode = DispatchMode.HOLD;
        }
        slot.detaching = true;
        slot.released.whenComplete((v, e) -> {
            if (e == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(e);
            }
        });
        releaseIfIdle(slot);
    }

    /** Takes back what a detaching target still holds; its completions are the core's from now on. */
    void forceDetach() {
        TargetSlot slot = slots.current();
        if (slot == null || !slot.detaching) {
            return;
        }
        slots.revoke(slot);
        for (int tag = 0; tag < tags.depth(); tag++) {
            if (tags.owner[tag] == slot && tags.state(tag) == TagState.SERVING && tags.requests[tag].revoke()) {
                takeBack(tag, slot);
            }
        }
        if (slot.operations > 0) {
            LOG.warn("queue {} of device {}: {} operation(s) of the detached target still in flight; {} request(s)"
                    + " wait for them", spec.queueId(), spec.deviceId(), slot.operations, slot.fenced);
        }
        slots.publishStuck();
        releaseIfIdle(slot);
    }

    /** A request taken back from {@code slot}: a fresh object and buffer, held until the slot's operations end. */
    private void takeBack(int tag, TargetSlot slot) {
        tags.leftTarget(tag);
        TagRequest old = tags.requests[tag];
        MemorySegment buffer = old.tagBuffer();
        if (spec.kernelCopies() || spec.userCopy()) {
            buffer = buffers.allocate(spec.maxIoBytes(), Linux.pageSize());
            if (spec.kernelCopies() && old.operation == IoOperation.WRITE) {
                buffer.copyFrom(old.tagBuffer()); // the kernel copied the data in at the fetch
            }
        }
        TagRequest fresh = new TagRequest(path, tag, buffer);
        fresh.operation = old.operation; // described anew when it is handed on; kept for the log till then
        fresh.offset = old.offset;
        fresh.length = old.length;
        tags.requests[tag] = fresh;
        if (slot.failed && tags.attempts[tag] < Byte.MAX_VALUE) {
            tags.attempts[tag]++;
        }
        if (slot.operations > 0) {
            tags.fence[tag] = slot;
            slot.fenced++;
        }
        tags.hold(tag);
    }

    /**
     * Fails held requests with EIO, and new ones while no target is attached. Fenced ones fail once unfenced,
     * unless {@code fencedToo} (the device is being deleted: nothing of it can be written after them).
     */
    void failHeld(boolean fencedToo) {
        if (slots.current() == null || mode == DispatchMode.HOLD) {
            mode = DispatchMode.FAIL;
        }
        for (int tag = 0; tag < tags.depth(); tag++) {
            TargetSlot fence = tags.fence[tag];
            if (tags.state(tag) == TagState.HELD && (fence == null || fencedToo)) {
                if (fence != null) {
                    tags.fence[tag] = null;
                    fence.fenced--;
                }
                tags.unheld();
                path.commit(tag, -EIO);
            }
        }
    }

    /** A held request, no longer fenced: served, held again or failed as the mode (or its attempts) say. */
    private void unhold(int tag) {
        tags.unheld();
        if (tags.attempts[tag] >= QueueRunner.MAX_ATTEMPTS) {
            TagRequest r = tags.requests[tag];
            LOG.error("device {} queue {} tag {}: {} (sectors {}+{}) failed its target {} times; failing it with EIO",
                    spec.deviceId(), spec.queueId(), tag, r.operation, r.offset >> 9, r.length >> 9,
                    tags.attempts[tag]);
            tags.move(tag, TagState.SERVING);
            path.commit(tag, -EIO);
            return;
        }
        path.accept(tag); // described anew: this target may not take what the last one took
    }

    // ---- calls into targets ---------------------------------------------------------------------------------

    /** Gives the tag's request to the attached target. */
    void submit(int tag) {
        TargetSlot slot = slots.current();
        TagRequest request = tags.requests[tag];
        request.arm();
        tags.sent(tag, slot);
        long since = slots.targetSqes();
        Throwable failure = null;
        inCallback++;
        try {
            slot.handler.submit(request);
        } catch (Throwable e) {
            failure = e;
        } finally {
            inCallback--;
            slots.count(slot, since);
        }
        if (failure != null) {
            targetFailed(slot, failure); // first: the request's attempts count this failure
            if (request.revoke()) {
                // after the count: what the target queued before it threw fences the request too
                takeBack(tag, slot);
            }
        }
        releaseIfIdle(slot);
    }

    /** A completion of a target's ring operation: to the handler that queued it, or consumed. */
    void completion(long userData, int res, int flags) {
        TargetSlot slot = slots.slotOf(UserData.generation(userData));
        if (slot == null) {
            LOG.error("queue {} of device {}: completion 0x{} of no known target attachment", spec.queueId(),
                    spec.deviceId(), Long.toHexString(userData));
            return;
        }
        slot.operations--;
        if (slot.revoked || slot.handler == null) {
            // the old target's answer to a request that was taken back: the core's, never the next target's
            LOG.debug("queue {} of device {}: completion 0x{} ({}) of a revoked target consumed", spec.queueId(),
                    spec.deviceId(), Long.toHexString(userData), res);
            slots.publishStuck();
            releaseIfIdle(slot);
            return;
        }
        long since = slots.targetSqes();
        inCallback++;
        try {
            slot.handler.onCompletion(UserData.cookie(userData), res, flags);
        } catch (Throwable e) {
            targetFailed(slot, e);
        } finally {
            inCallback--;
            slots.count(slot, since);
        }
        releaseIfIdle(slot);
    }

    /** A request {@code slot} had was answered. */
    void answered(TargetSlot slot) {
        if (inCallback == 0) {
            releaseIfIdle(slot);
        }
    }

    /** The target threw: stop sending to it, keep its requests, tell the device (once per attachment). */
    private void targetFailed(TargetSlot slot, Throwable e) {
        if (slot.failed) {
            return;
        }
        slot.failed = true;
        if (slot == slots.current() && mode == DispatchMode.TARGET) {
            mode = DispatchMode.HOLD;
        }
        LOG.error("target of queue {} of device {} failed; holding its requests", spec.queueId(), spec.deviceId(), e);
        try {
            failureListener.targetFailed(queue, e);
        } catch (RuntimeException listenerFailure) {
            LOG.error("queue {} of device {}: reporting the target's failure failed", spec.queueId(),
                    spec.deviceId(), listenerFailure);
        }
    }

    // ---- releasing ------------------------------------------------------------------------------------------

    /** Releases a detaching or revoked attachment that holds nothing: closes its handler, hands on its requests. */
    private void releaseIfIdle(TargetSlot slot) {
        if (!(slot.detaching || slot.revoked) || !slot.idle() || slot.released.isDone()) {
            return;
        }
        slots.release(slot);
        if (slot.fenced > 0) {
            slot.fenced = 0;
            for (int tag = 0; tag < tags.depth(); tag++) {
                if (tags.fence[tag] == slot) {
                    tags.fence[tag] = null;
                    if (mode != DispatchMode.HOLD) {
                        unhold(tag);
                    }
                }
            }
        }
    }
}
