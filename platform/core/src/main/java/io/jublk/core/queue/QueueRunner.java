package io.jublk.core.queue;

import io.jublk.core.uapi.IoDesc;
import io.jublk.target.Target;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ublk hardware queue, served by one platform thread that owns the queue's ring. It keeps a
 * FETCH_REQ in the kernel for every tag, hands each request to the target, and answers it with
 * COMMIT_AND_FETCH_REQ, batching every command of a loop turn into one ring submission. Nothing on
 * this path allocates: requests, buffers and the descriptor mapping are made once per queue.
 *
 * <p>Targets may do their own I/O on this ring: each attachment of a target is a {@link TargetSlot}, whose
 * generation its operations carry in their user data ({@link UserData}), and whose operations the queue
 * counts (the SQEs a target's callback takes). USER_COPY transfers are the queue's own.
 *
 * <p>How data moves follows the flags the kernel accepted ({@link QueueSpec}): copy mode, zero copy with
 * registered buffers, or USER_COPY ({@link UserCopy}); see the core's README for the request's path.
 *
 * <p>The target can be swapped while the queue runs ({@link #detachTarget}, {@link #forceDetach},
 * {@link #attachTarget}): in between, requests are {@link TagState#HELD} here and the kernel keeps waiting
 * for them. A request taken back from a target that did not answer goes to the next target only once every
 * ring operation the old one queued has completed (it is "fenced" until then), in a fresh buffer: the old
 * target can neither complete it a second time nor write over its data. Other threads reach the queue
 * thread through posted control actions. A request's own path through the thread is {@link RequestPath}, the
 * thread's set-up, loop turns and tear-down are {@link QueueLoop}.
 */
public final class QueueRunner implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(QueueRunner.class);
    /** Fixed-file slots after /dev/ublkcN (slot 0) that targets may fill with {@link TargetSlot#registerFile}. */
    static final int TARGET_FILE_SLOTS = 4;
    /** How often a request may go to a target that then fails before it is failed with EIO instead. */
    static final int MAX_ATTEMPTS = 3;

    /** Told, on the queue thread, when the target failed; the queue holds its requests from then on. */
    @FunctionalInterface
    public interface TargetFailureListener {
        void targetFailed(QueueRunner queue, Throwable cause);
    }

    private final QueueSpec spec;
    private final TagTable tags;
    private final HandOver handOver;
    private final TargetSlots slots;
    private final TagCommands tagCommands;
    private final QueueLoop loop;
    private final ControlMailbox controls = new ControlMailbox();
    /** Requests, bytes and errors by operation; written by the request path's commit only. */
    private final QueueCounters counters;
    private final CompletableFuture<Void> fetched = new CompletableFuture<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    /** The per-tag buffers (and fresh ones for requests taken back): freed once nothing can write them. */
    private final TagBuffers buffers;

    private volatile Thread thread;
    private volatile int threadId = -1;
    private volatile Throwable failure;

    /**
     * @param charFd the device's /dev/ublkcN, open for reading and writing; stays open until {@link #finished()}
     * @param target the first target, or null to start holding requests until {@link #attachTarget}
     */
    public QueueRunner(QueueSpec spec, int charFd, Target target, TargetFailureListener failureListener)
            throws ErrnoException {
        this(spec, charFd, spec.batchIo() ? new BatchChannel(spec, charFd) : new KernelChannel(spec, charFd), target,
                failureListener);
    }

    /** With another driver than the kernel's: for a simulated one in tests. */
    QueueRunner(QueueSpec spec, int charFd, UblkChannel channel, Target target,
                TargetFailureListener failureListener) throws ErrnoException {
        if (spec.depth() < 1 || spec.depth() > IoDesc.MAX_QUEUE_DEPTH) {
            throw new IllegalArgumentException("queue depth must be 1.." + IoDesc.MAX_QUEUE_DEPTH + ": " + spec.depth());
        }
        this.spec = spec;
        this.tags = new TagTable(spec);
        this.counters = new QueueCounters(spec.depth());
        this.buffers = new TagBuffers(spec);
        this.tagCommands = new TagCommands(spec, channel, tags);
        RequestPath path = new RequestPath(this, spec, channel, tags, tagCommands, counters, buffers.arena(), charFd,
                failureListener);
        this.handOver = path.handOver();
        this.slots = handOver.slots();
        this.loop = new QueueLoop(spec, charFd, channel, tags, tagCommands, path, counters, controls, buffers,
                target);
        for (int tag = 0; tag < spec.depth(); tag++) {
            tags.requests[tag] = new TagRequest(path, tag, buffers.of(tag));
        }
    }

    /** Starts the queue's platform thread. */
    public Thread start() {
        Thread t = Thread.ofPlatform().name("ublk-" + spec.deviceId() + "-q" + spec.queueId()).unstarted(this);
        thread = t;
        t.start();
        return t;
    }

    /** Completes once every tag's first fetch is in the kernel (START_DEV may go), or fails with why not. */
    public CompletableFuture<Void> fetched() {
        return fetched;
    }

    /** Completes when the thread has released the ring and the mapping ({@link #failure()} says whether it died). */
    public CompletableFuture<Void> finished() {
        return finished;
    }

    /** Why the queue thread ended on its own (not asked to), or null. */
    public Throwable failure() {
        return failure;
    }

    /** This queue's request counters, from any thread, as {@link QueueCounters#read} places them. */
    public long[] counters() {
        long[] now = counters.read();
        now[QueueCounters.HELD] = tags.heldNow();
        return now;
    }

    /** Counting requests and their latency on or off, from any thread (on at the start). */
    public void enableCounters(boolean on) {
        counters.enable(on);
    }

    /** Ring operations of targets the queue took requests back from that are still in flight (a stuck target). */
    public long stuckOperations() {
        return slots.stuckOperations();
    }

    /** Whether the thread has ended and left nothing in flight that could still use the buffers, fds or target. */
    public boolean letGo() {
        return finished.isDone() && buffers.releasable();
    }

    /** Asks the thread to finish once no request is with the target or held; the kernel's aborts end it sooner. */
    public void requestStop() {
        loop.requestStop();
    }

    /**
     * Asks the thread to finish once the target holds no request, leaving held requests and the fetches to
     * the kernel: with user recovery it quiesces the device and gives them to the next server.
     */
    public void requestRelease() {
        loop.requestRelease();
    }

    /**
     * Stops sending requests to the target (new ones are held) and completes once the target has answered
     * what it has, its operations have completed and its queue handler is closed. {@link #forceDetach} takes
     * back what it does not answer.
     */
    public CompletableFuture<Void> detachTarget() {
        return onQueueThread(handOver::detach);
    }

    /**
     * Takes back every request a detaching target has not answered; they are held for the next target, which
     * gets them once every operation the old target queued has completed. Its handler is closed then too.
     */
    public CompletableFuture<Void> forceDetach() {
        return onQueueThread(done -> {
            handOver.forceDetach();
            done.complete(null);
        });
    }

    /** Opens {@code target}'s queue handler on the queue thread and hands it every held request it may have. */
    public CompletableFuture<Void> attachTarget(Target target) {
        return onQueueThread(done -> handOver.attach(target, done));
    }

    /**
     * Fails every held request with EIO, and, while no target is attached, every new one too (the device's
     * policy gave up waiting). Requests still fenced by a stuck target fail once its operations end.
     * Attaching a target ends that.
     */
    public CompletableFuture<Void> failHeld() {
        return onQueueThread(done -> {
            handOver.failHeld(false);
            done.complete(null);
        });
    }

    /** Like {@link #failHeld}, and requests fenced by a stuck target fail too: the device is being deleted. */
    public CompletableFuture<Void> failAllHeld() {
        return onQueueThread(done -> {
            handOver.failHeld(true);
            done.complete(null);
        });
    }

    /** When the longest-waiting request now with the target was handed to it (System.nanoTime()), or 0. */
    public long oldestTargetRequestNanos() {
        return tags.oldestDispatchNanos();
    }

    /** The Linux thread id serving this queue, -1 before it runs. */
    public int threadId() {
        return threadId;
    }

    public int queueId() {
        return spec.queueId();
    }

    QueueSpec spec() {
        return spec;
    }

    @Override
    public void run() {
        threadId = Linux.gettid();
        try {
            loop.setUp();
            fetched.complete(null);
            loop.serve();
        } catch (Throwable t) {
            failure = t;
            fetched.completeExceptionally(t);
            LOG.error("queue {} of ublk device {} failed", spec.queueId(), spec.deviceId(), t);
        } finally {
            loop.tearDown();
            finished.complete(null);
            controls.run(loop.ended(), true); // fails the actions posted while the thread was ending
        }
    }

    /**
     * Frees the tag buffers after the queue thread has ended: the kernel copies request data only in that
     * thread's context, so once it is gone nothing can write them, unless target operations or copies were
     * still in flight when the ring closed (then they are kept). Idempotent.
     */
    public void freeBuffersAfterExit(long waitMillis) throws InterruptedException {
        Thread t = thread;
        if (t != null && !t.join(Duration.ofMillis(waitMillis))) {
            LOG.error("queue {} of device {}: thread still running; keeping its buffers", spec.queueId(),
                    spec.deviceId());
            return;
        }
        if (buffers.releasable()) {
            buffers.free();
        }
    }

    /** {@link TargetSlot#registerFile}, on the queue thread only. */
    int registerFile(TargetSlot slot, int fd) {
        return loop.ringOrNull() == null || !isQueueThread() ? -1 : slots.registerFile(slot, fd);
    }

    /** The queue thread's ring (only the queue thread may use it; the ring checks). */
    Ring ring() {
        Ring ring = loop.ringOrNull();
        if (ring == null) {
            throw new IllegalStateException("queue " + spec.queueId() + " has no ring yet");
        }
        return ring;
    }

    /** SQEs the queue took for itself so far. */
    long coreSqes() {
        return tagCommands.coreSqes();
    }

    /** Wakes the queue thread: answers were posted, or a simulated driver has completions ({@link UblkChannel#deliver}). */
    void wake() {
        loop.wake();
    }

    /** Whether the caller is the queue thread. */
    boolean isQueueThread() {
        return Thread.currentThread() == thread;
    }

    private CompletableFuture<Void> onQueueThread(Consumer<CompletableFuture<Void>> action) {
        CompletableFuture<Void> done = controls.post(action);
        if (finished.isDone()) {
            controls.run(loop.ended(), true); // the thread is gone: fail what it will never run
        } else {
            loop.wake();
        }
        return done;
    }

    /** A tag's state, for tests. */
    TagState state(int tag) {
        return tags.state(tag);
    }
}
