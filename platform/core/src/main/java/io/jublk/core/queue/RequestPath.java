package io.jublk.core.queue;

import io.jublk.core.uapi.IoCmd;
import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.uring.CompletionHandler;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request's path through one queue (see the core's README): its command's completion brings it in, it is
 * checked, its data copied in (USER_COPY), it is handed over, answered and committed. It is also the ring's
 * completion handler, which sorts each completion by its user data ({@link UserData}). Queue thread only,
 * except {@link #completed}, which targets call from any thread.
 */
final class RequestPath implements CompletionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RequestPath.class);
    private static final int EIO = Errno.EIO.number();

    private final QueueRunner queue;
    private final QueueSpec spec;
    private final UblkChannel channel;
    private final TagTable tags;
    private final TagCommands tagCommands;
    /** Requests, bytes and errors by operation; written in {@link #commit} only. */
    private final QueueCounters counters;
    private final RequestDecoder decoder;
    private final HandOver handOver;
    private final UserCopy userCopy;
    private final CompletionMailbox mailbox;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    /** What a batching channel reports per tag goes where a per-tag command's completion goes. */
    private final UblkChannel.Commands commands = this::commandCompleted;
    private Ring ring;
    private MemorySegment descriptors;

    RequestPath(QueueRunner queue, QueueSpec spec, UblkChannel channel, TagTable tags, TagCommands tagCommands,
                QueueCounters counters, Arena buffers, int charFd,
                QueueRunner.TargetFailureListener failureListener) {
        this.queue = queue;
        this.spec = spec;
        this.channel = channel;
        this.tags = tags;
        this.tagCommands = tagCommands;
        this.counters = counters;
        this.decoder = new RequestDecoder(spec);
        this.handOver = new HandOver(queue, this, spec, tags, buffers, failureListener);
        this.userCopy = new UserCopy(this, spec, tags, charFd);
        this.mailbox = new CompletionMailbox(spec.depth());
    }

    HandOver handOver() {
        return handOver;
    }

    /** The queue thread's ring is open and the channel's descriptors mapped: requests may come. */
    void started(Ring ring, MemorySegment descriptors) {
        this.ring = ring;
        this.descriptors = descriptors;
    }

    int queueId() {
        return spec.queueId();
    }

    // ---- completions from the ring (queue thread) ----------------------------------------------

    @Override
    public void onCompletion(long userData, int res, int flags) {
        if (UserData.isTarget(userData)) {
            handOver.completion(userData, res, flags);
        } else if (UserData.isCopy(userData)) {
            userCopy.copied(UserData.tag(userData), res);
        } else if (UserData.isCommand(userData) && UserData.tag(userData) < spec.depth()) {
            channel.commandEnded(UserData.tag(userData));
            commandCompleted(UserData.tag(userData), res);
        } else if (UserData.isBatch(userData)) {
            channel.batchCompleted(userData, res, flags, commands);
        } else {
            LOG.error("queue {} of device {}: completion for unknown user data 0x{}", spec.queueId(), spec.deviceId(),
                    Long.toHexString(userData));
        }
    }

    private void commandCompleted(int tag, int res) {
        if (tagCommands.ended(ring, tag, res)) {
            counters.arrived(tag);
            accept(tag);
        }
    }

    @Override
    public void onWakeup() {
        // getAndSet is a full fence: the mailbox is read after this store, never before it
        wakePending.getAndSet(false);
    }

    /**
     * A request the kernel just handed over, or a held one for a new target: check it, bring in a USER_COPY
     * write's data, then hand it over.
     */
    void accept(int tag) {
        TagRequest request = tags.requests[tag];
        int error = decoder.describe(descriptors, request, tag, handOver.registeredBuffers());
        if (error == 0 && request.userCopy && request.operation == IoOperation.WRITE) {
            tags.move(tag, TagState.COPYING);
            queueCopy(request, tag, true, request.length);
            return;
        }
        handOver(tag, error);
    }

    /** Serves, holds or fails a request as the mode says, or fails it with {@code error} when not 0. */
    void handOver(int tag, int error) {
        tags.move(tag, TagState.SERVING);
        if (error != 0) {
            commit(tag, -error);
            return;
        }
        switch (handOver.mode()) {
            case TARGET -> handOver.submit(tag);
            case HOLD -> tags.hold(tag);
            case FAIL -> commit(tag, -EIO);
        }
    }

    /**
     * {@link IoRequest#moveDataToBuffer()}: a WRITE's data is copied into the tag's buffer now, a READ's out of
     * it when the request is committed (see {@link UserCopy#bySyscall}).
     */
    boolean moveToBuffer(TagRequest request, int tag) {
        if (!queue.isQueueThread() || tags.requests[tag] != request || tags.state(tag) != TagState.SERVING) {
            throw new IllegalStateException(request + ": moveDataToBuffer only on the queue thread, while the"
                    + " target serves the request");
        }
        return userCopy.moveToBuffer(request, tag);
    }

    // ---- completions from the target (any thread) -----------------------------------------------

    /** Called by {@link TagRequest#complete} on whatever thread the target used. */
    void completed(int tag, int res) {
        tags.results[tag] = res;
        if (queue.isQueueThread()) {
            answered(tag);
            return;
        }
        mailbox.post(tag);
        if (!wakePending.getAndSet(true)) {
            queue.wake();
        }
    }

    /** A detached target answered a request the core had taken back and handed on: the answer is void. */
    void lateCompletion(int tag, int res) {
        LOG.debug("queue {} of device {}: late answer {} for tag {} from a detached target ignored",
                spec.queueId(), spec.deviceId(), res, tag);
    }

    /** On the queue thread: the answers other threads posted since the last turn. */
    void takeCompletions() {
        for (int tag = mailbox.poll(); tag >= 0; tag = mailbox.poll()) {
            answered(tag);
        }
    }

    private void answered(int tag) {
        TargetSlot slot = tags.leftTarget(tag);
        commit(tag, decoder.checkedResult(tags.requests[tag], tag, tags.results[tag]));
        handOver.answered(slot);
    }

    void commit(int tag, int result) {
        tags.move(tag, TagState.COMPLETED);
        tags.attempts[tag] = 0;
        tags.results[tag] = result;
        TagRequest request = tags.requests[tag];
        counters.committed(tag, request.operation, result); // operation null: a descriptor too bad to name one
        if (request.copiedBySyscall && request.operation == IoOperation.READ && result > 0) {
            int length = Math.min(result, request.length);
            queueCommand(IoCmd.COMMIT_AND_FETCH_REQ, tag,
                    userCopy.bySyscall(request, tag, false, length) == length ? result : -EIO);
            return;
        }
        if (request.userCopy && request.operation == IoOperation.READ && result > 0) {
            tags.move(tag, TagState.COPYING);
            queueCopy(request, tag, false, Math.min(result, request.length));
            return;
        }
        queueCommand(IoCmd.COMMIT_AND_FETCH_REQ, tag, result);
    }

    void queueCommand(int cmdOp, int tag, int result) {
        tagCommands.send(ring, cmdOp, tag, result);
        tags.move(tag, TagState.FETCHING);
    }

    private void queueCopy(TagRequest request, int tag, boolean in, int length) {
        long sqes = ring.sqesTaken();
        userCopy.queue(ring, request, tag, in, length);
        tagCommands.tookSince(ring, sqes);
    }
}
