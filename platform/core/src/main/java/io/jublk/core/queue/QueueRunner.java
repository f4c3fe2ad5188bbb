package io.jublk.core.queue;

import io.jublk.core.uapi.IoCmd;
import io.jublk.core.uapi.IoDesc;
import io.jublk.core.uapi.IoOp;
import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetQueue;
import io.jublk.uring.CompletionHandler;
import io.jublk.uring.Ring;
import io.jublk.uring.RingConfig;
import io.jublk.uring.Waker;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ublk hardware queue, served by one platform thread that owns the queue's ring. It keeps a
 * FETCH_REQ in the kernel for every tag, hands each request to the target, and answers it with
 * COMMIT_AND_FETCH_REQ, batching every command of a loop turn into one ring submission. Nothing on
 * this path allocates: requests, buffers and the descriptor mapping are made once per queue.
 *
 * <p>Targets may do their own I/O on this ring ({@link #ring()}): completions whose user data has
 * {@link QueueContext#TARGET_USER_DATA} set go to {@link TargetQueue#onCompletion}; the others are the
 * ublk commands, whose user data is the tag, and the queue's own USER_COPY transfers
 * ({@link #COPY_USER_DATA} | tag). The ring is sized for all: SQ twice the depth, CQ four times.
 *
 * <p>How data moves follows the flags the kernel accepted ({@link QueueSpec}): in copy mode each fetch
 * gives the tag's buffer; with AUTO_BUF_REG (zero copy) the fetch names slot {@code tag} of this ring's
 * buffer table instead, the kernel puts the request's pages there, and the target reads or writes them with
 * fixed-buffer operations ({@link TagRequest#bufferIndex()}); with USER_COPY this thread copies a WRITE's
 * data in from /dev/ublkcN before the target sees it and a READ's data out after, through the ring. A
 * zero-copy device that also has USER_COPY asks the kernel to fall back (UBLK_AUTO_BUF_REG_FALLBACK) when it
 * cannot register a request's pages; such a request is then served through USER_COPY, and so is every
 * request when the target does not accept registered buffers (one that replaced the target the device was
 * made for).
 *
 * <p>The target can be swapped while the queue runs ({@link #detachTarget}, {@link #attachTarget}): in
 * between, requests are {@link TagState#HELD} here and the kernel keeps waiting for them, so the disk's
 * users see a pause, not an error. Other threads reach the queue thread through posted control actions.
 */
public final class QueueRunner implements Runnable, CompletionHandler, QueueContext {
    private static final Logger LOG = LoggerFactory.getLogger(QueueRunner.class);
    private static final int SECTOR_SHIFT = 9;
    private static final VarHandle DISPATCHED_AT = MethodHandles.arrayElementVarHandle(long[].class);
    /** Fixed-file slots after /dev/ublkcN (slot 0) that targets may fill with {@link #registerFile}. */
    static final int TARGET_FILE_SLOTS = 4;
    /** Bit 61 of the user data: the queue's own USER_COPY read or write of the tag in the low bits. */
    static final long COPY_USER_DATA = 1L << 61;
    private static final int UBLKC_FILE = 0;
    private static final int EIO = Errno.EIO.number();

    /** Told, on the queue thread, when the target failed; the queue holds its requests from then on. */
    @FunctionalInterface
    public interface TargetFailureListener {
        void targetFailed(QueueRunner queue, Throwable cause);
    }

    private final QueueSpec spec;
    private final int charFd;
    private final TargetFailureListener failureListener;
    private final TagState[] states;
    /** The answer of each tag's request, written before the tag is posted (or committed) by the answerer. */
    private final int[] results;
    /** System.nanoTime() (never 0) when each tag went to the target, 0 when it is not with the target. */
    private final long[] dispatchedAt;
    private final CompletionMailbox mailbox;
    private final ConcurrentLinkedQueue<Control> controls = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final CompletableFuture<Void> fetched = new CompletableFuture<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    /** The per-tag buffers: freed once no kernel command can write them any more. */
    private final Arena arena = Arena.ofShared();
    /** The descriptor mapping of /dev/ublkcN: the kernel writes its own pages, never through this mapping. */
    private final Arena descriptorArena = Arena.ofShared();
    private final MemorySegment buffers;
    private volatile boolean buffersFreed;

    private volatile Thread thread;
    private volatile boolean stopRequested;
    private volatile boolean releaseRequested;
    private volatile int threadId = -1;
    private Ring ring;
    private Waker waker;
    private MemorySegment descriptors;

    // queue thread only
    private Target initialTarget;
    private TargetQueue targetQueue;
    private TagRequest[] requests;
    private DispatchMode mode;
    private CompletableFuture<Void> detaching;
    private boolean failureReported;
    private int aborted;
    private int withTarget;
    private int held;
    private int targetFiles;
    private long fallbacks;
    /** Zero copy, and the target takes registered buffers: requests name their table slot. */
    private boolean registeredBuffers;

    /**
     * @param charFd the device's /dev/ublkcN, open for reading and writing; stays open until {@link #finished()}
     * @param target the first target, or null to start holding requests until {@link #attachTarget}
     */
    public QueueRunner(QueueSpec spec, int charFd, Target target, TargetFailureListener failureListener)
            throws ErrnoException {
        if (spec.depth() < 1 || spec.depth() > IoDesc.MAX_QUEUE_DEPTH) {
            throw new IllegalArgumentException("queue depth must be 1.." + IoDesc.MAX_QUEUE_DEPTH + ": " + spec.depth());
        }
        this.spec = spec;
        this.charFd = charFd;
        this.initialTarget = target;
        this.failureListener = failureListener;
        this.states = new TagState[spec.depth()];
        this.results = new int[spec.depth()];
        this.dispatchedAt = new long[spec.depth()];
        this.mailbox = new CompletionMailbox(spec.depth());
        // Anonymous mapping: pages are only backed once the kernel copies data into them.
        this.buffers = Linux.mmap((long) spec.depth() * spec.maxIoBytes(), Linux.PROT_READ | Linux.PROT_WRITE,
                Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS, -1, 0, arena);
        Arrays.fill(states, TagState.IDLE);
        this.requests = newRequests();
    }

    private TagRequest[] newRequests() {
        TagRequest[] fresh = new TagRequest[spec.depth()];
        for (int tag = 0; tag < spec.depth(); tag++) {
            fresh[tag] = new TagRequest(this, tag, buffers.asSlice((long) tag * spec.maxIoBytes(), spec.maxIoBytes()));
        }
        return fresh;
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

    /** Completes when the thread has released the ring and the mapping. */
    public CompletableFuture<Void> finished() {
        return finished;
    }

    /** Asks the thread to finish once no request is with the target or held; the kernel's aborts end it sooner. */
    public void requestStop() {
        stopRequested = true;
        wakeQueueThread();
    }

    /**
     * Asks the thread to finish once the target holds no request, leaving held requests and the fetches to
     * the kernel: with user recovery it quiesces the device and gives them to the next server.
     */
    public void requestRelease() {
        releaseRequested = true;
        wakeQueueThread();
    }

    /**
     * Stops sending requests to the target (new ones are held) and completes once the target has answered
     * what it has and its queue handler is closed. {@link #forceDetach} takes back what it does not answer.
     */
    public CompletableFuture<Void> detachTarget() {
        return onQueueThread(done -> {
            if (mode == DispatchMode.TARGET) {
                mode = DispatchMode.HOLD;
            }
            if (detaching != null) {
                detaching.whenComplete((v, e) -> done.complete(null));
                return;
            }
            detaching = done;
            finishDetachIfIdle();
        });
    }

    /** Takes back every request a detaching target has not answered; they are held for the next target. */
    public void forceDetach() {
        onQueueThread(done -> {
            for (int tag = 0; tag < states.length; tag++) {
                if (states[tag] == TagState.SERVING && dispatchedAt[tag] != 0 && requests[tag].revoke()) {
                    leftTarget(tag);
                    hold(tag);
                }
            }
            finishDetachIfIdle();
            done.complete(null);
        });
    }

    /** Opens {@code target}'s queue handler and notes whether its requests may name registered buffers. */
    private void openTargetQueue(Target target) throws TargetException {
        targetQueue = target.openQueue(this);
        registeredBuffers = spec.zeroCopy() && target.acceptsRegisteredBuffers();
        if (spec.zeroCopy() && !registeredBuffers) {
            LOG.warn("queue {} of device {}: the target takes no registered buffers; its data goes through {}",
                    spec.queueId(), spec.deviceId(), spec.userCopy() ? "USER_COPY" : "nowhere (requests fail)");
        }
    }

    /** Opens {@code target}'s queue handler on the queue thread and hands it every held request. */
    public CompletableFuture<Void> attachTarget(Target target) {
        return onQueueThread(done -> {
            if (targetQueue != null || detaching != null) {
                done.completeExceptionally(new IllegalStateException("queue " + spec.queueId()
                        + " still has a target"));
                return;
            }
            try {
                openTargetQueue(target);
            } catch (Exception e) {
                done.completeExceptionally(e);
                return;
            }
            requests = newRequests();
            failureReported = false;
            mode = DispatchMode.TARGET;
            for (int tag = 0; tag < states.length; tag++) {
                if (states[tag] == TagState.HELD) {
                    held--;
                    accept(tag); // placed anew: this target may not take what the last one took
                }
            }
            done.complete(null);
        });
    }

    /**
     * Fails every held request with EIO, and, while no target is attached, every new one too (the device's
     * policy gave up waiting). Attaching a target ends that.
     */
    public CompletableFuture<Void> failHeld() {
        return onQueueThread(done -> {
            if (targetQueue == null || mode == DispatchMode.HOLD) {
                mode = DispatchMode.FAIL;
            }
            for (int tag = 0; tag < states.length; tag++) {
                if (states[tag] == TagState.HELD) {
                    held--;
                    commit(tag, -Errno.EIO.number());
                }
            }
            done.complete(null);
        });
    }

    /** When the longest-waiting request now with the target was handed to it (System.nanoTime()), or 0. */
    public long oldestTargetRequestNanos() {
        long oldest = 0;
        for (int tag = 0; tag < dispatchedAt.length; tag++) {
            long at = (long) DISPATCHED_AT.getOpaque(dispatchedAt, tag);
            if (at != 0 && (oldest == 0 || at - oldest < 0)) {
                oldest = at;
            }
        }
        return oldest;
    }

    /** The Linux thread id serving this queue, -1 before it runs. */
    public int threadId() {
        return threadId;
    }

    @Override
    public void run() {
        threadId = Linux.gettid();
        try {
            setUp();
            serve();
        } catch (Throwable t) {
            fetched.completeExceptionally(t);
            LOG.error("queue {} of ublk device {} failed", spec.queueId(), spec.deviceId(), t);
        } finally {
            tearDown();
            finished.complete(null);
            runControls(); // fails the actions posted while the thread was ending
        }
    }

    private void setUp() throws Exception {
        try {
            // A thread that serves a disk must not be throttled into reclaim that waits on that disk.
            Linux.setIoFlusher(true);
        } catch (ErrnoException e) {
            LOG.warn("PR_SET_IO_FLUSHER refused ({}); memory pressure may stall queue {} of device {}",
                    e.getMessage(), spec.queueId(), spec.deviceId());
        }
        // Room for every tag's command plus a target operation or two per tag (backing-file I/O).
        // A released queue's fetches are cancelled only when the ring goes (not by ASYNC_CANCEL): wait briefly.
        ring = Ring.open(RingConfig.builder(2 * spec.depth()).cqEntries(4 * spec.depth()).wakeable(true)
                .closeTimeout(Duration.ofSeconds(2)).build());
        waker = ring.waker();
        int[] files = new int[1 + TARGET_FILE_SLOTS];
        Arrays.fill(files, -1);
        files[0] = charFd;
        ring.registerFiles(files);
        if (spec.zeroCopy()) {
            // AUTO_BUF_REG: each fetch names slot `tag`; the kernel fills it with the request's pages
            ring.registerBuffersSparse(spec.depth());
        }
        long page = Linux.pageSize();
        descriptors = Linux.mmap(IoDesc.mmapLength(spec.depth(), page), Linux.PROT_READ,
                Linux.MAP_SHARED | Linux.MAP_POPULATE, charFd, IoDesc.mmapOffset(spec.queueId(), page),
                descriptorArena);
        if (initialTarget != null) {
            openTargetQueue(initialTarget);
            mode = DispatchMode.TARGET;
        } else {
            mode = DispatchMode.HOLD;
        }
        initialTarget = null;
        for (int tag = 0; tag < spec.depth(); tag++) {
            queueCommand(IoCmd.FETCH_REQ, tag, 0);
        }
        ring.submit();
        fetched.complete(null);
    }

    private void serve() throws ErrnoException {
        while (aborted < spec.depth()) {
            if (withTarget == 0 && (releaseRequested || (stopRequested && held == 0))) {
                return;
            }
            ring.submitAndWait(1);
            ring.drain(this);
            takeCompletions();
            runControls();
        }
    }

    private void tearDown() {
        closeTargetQueue();
        if (ring != null) {
            // cancels fetches still in the kernel and waits for them before the buffers go
            ring.close();
        }
        // The mapping holds a reference to /dev/ublkcN, which must go for the kernel to quiesce the device.
        descriptorArena.close();
        if (ring == null || ring.closedCleanly()) {
            freeBuffers();
        } else {
            LOG.debug("queue {} of device {}: fetches were still in the kernel at close; buffers are freed once"
                    + " the thread has ended", spec.queueId(), spec.deviceId());
        }
    }

    /**
     * Frees the tag buffers after the queue thread has ended: the kernel copies request data only in that
     * thread's context, so once it is gone nothing can write them. Idempotent.
     */
    public void freeBuffersAfterExit(long waitMillis) throws InterruptedException {
        Thread t = thread;
        if (t != null && !t.join(Duration.ofMillis(waitMillis))) {
            LOG.error("queue {} of device {}: thread still running; keeping its buffers", spec.queueId(),
                    spec.deviceId());
            return;
        }
        freeBuffers();
    }

    private synchronized void freeBuffers() {
        if (!buffersFreed) {
            buffersFreed = true;
            arena.close();
        }
    }

    private void closeTargetQueue() {
        if (targetQueue == null) {
            return;
        }
        try {
            targetQueue.close();
        } catch (RuntimeException e) {
            LOG.warn("target queue {} of device {} failed to close", spec.queueId(), spec.deviceId(), e);
        }
        targetQueue = null;
        // the next target gets the slots again; operations in flight keep their own file references
        for (; targetFiles > 0; targetFiles--) {
            try {
                ring.updateRegisteredFile(targetFiles, -1);
            } catch (ErrnoException e) {
                LOG.debug("queue {}: clearing file slot {}: {}", spec.queueId(), targetFiles, e.getMessage());
            }
        }
    }

    // ---- control actions from other threads ---------------------------------------------------

    /** An action for the queue thread and the future it completes. */
    private record Control(Consumer<CompletableFuture<Void>> action, CompletableFuture<Void> done) {
    }

    private CompletableFuture<Void> onQueueThread(Consumer<CompletableFuture<Void>> action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        controls.add(new Control(action, done));
        if (finished.isDone()) {
            runControls(); // the thread is gone: fail what it will never run
        } else {
            wakeQueueThread();
        }
        return done;
    }

    private void runControls() {
        for (Control c = controls.poll(); c != null; c = controls.poll()) {
            if (finished.isDone()) {
                c.done().completeExceptionally(new IllegalStateException("queue " + spec.queueId()
                        + " of device " + spec.deviceId() + " has ended"));
                continue;
            }
            try {
                c.action().accept(c.done());
            } catch (RuntimeException e) {
                c.done().completeExceptionally(e);
            }
        }
        if (!finished.isDone()) {
            finishDetachIfIdle();
        }
    }

    private void finishDetachIfIdle() {
        if (detaching != null && withTarget == 0) {
            closeTargetQueue();
            CompletableFuture<Void> done = detaching;
            detaching = null;
            done.complete(null);
        }
    }

    private void wakeQueueThread() {
        Waker w = waker;
        if (w != null) {
            w.wake();
        }
    }

    // ---- completions from the ring (queue thread) ----------------------------------------------

    @Override
    public void onCompletion(long userData, int res, int flags) {
        if (userData > 0 && (userData & TARGET_USER_DATA) != 0) {
            targetCompletion(userData, res, flags);
            return;
        }
        if (userData > 0 && (userData & COPY_USER_DATA) != 0) {
            copied((int) (userData & ~COPY_USER_DATA), res);
            return;
        }
        int tag = (int) userData;
        if (userData < 0 || tag >= spec.depth()) {
            LOG.error("queue {} of device {}: completion for unknown user data {}", spec.queueId(), spec.deviceId(),
                    userData);
            return;
        }
        if (res == IoCmd.RES_OK) {
            accept(tag);
        } else if (res == -Errno.ENODEV.number()) {
            move(tag, TagState.ABORTED);
            aborted++;
        } else {
            LOG.error("queue {} of device {}: fetch of tag {} failed: {}", spec.queueId(), spec.deviceId(), tag,
                    Errno.nameOf(-res));
            move(tag, TagState.ABORTED);
            aborted++;
        }
    }

    private void targetCompletion(long userData, int res, int flags) {
        if (targetQueue == null) {
            LOG.debug("queue {} of device {}: completion 0x{} of a detached target dropped", spec.queueId(),
                    spec.deviceId(), Long.toHexString(userData));
            return;
        }
        try {
            targetQueue.onCompletion(userData, res, flags);
        } catch (RuntimeException e) {
            targetFailed(e);
        }
    }

    @Override
    public void onWakeup() {
        wakePending.set(false);
    }

    /**
     * A request the kernel just handed over, or a held one for a new target: check it, bring in a USER_COPY
     * write's data, then hand it over.
     */
    private void accept(int tag) {
        TagRequest request = requests[tag];
        int error = describe(request, tag);
        if (error == 0 && request.userCopy && request.operation == IoOperation.WRITE) {
            move(tag, TagState.COPYING);
            queueCopy(tag, true, request.length);
            return;
        }
        handOver(tag, error);
    }

    /** Serves, holds or fails a request as the mode says, or fails it with {@code error} when not 0. */
    private void handOver(int tag, int error) {
        move(tag, TagState.SERVING);
        if (error != 0) {
            commit(tag, -error);
            return;
        }
        switch (mode) {
            case TARGET -> send(tag);
            case HOLD -> hold(tag);
            case FAIL -> commit(tag, -Errno.EIO.number());
        }
    }

    private void send(int tag) {
        TagRequest request = requests[tag];
        request.arm();
        withTarget++;
        DISPATCHED_AT.setOpaque(dispatchedAt, tag, System.nanoTime() | 1);
        try {
            targetQueue.submit(request);
        } catch (RuntimeException e) {
            if (request.revoke()) {
                leftTarget(tag);
                hold(tag);
            }
            targetFailed(e);
        }
    }

    private void hold(int tag) {
        move(tag, TagState.HELD);
        held++;
    }

    private void leftTarget(int tag) {
        withTarget--;
        DISPATCHED_AT.setOpaque(dispatchedAt, tag, 0L);
    }

    /** The target threw: stop sending to it, keep the requests, and tell the device (once per attachment). */
    private void targetFailed(RuntimeException e) {
        if (mode == DispatchMode.TARGET) {
            mode = DispatchMode.HOLD;
        }
        if (!failureReported) {
            failureReported = true;
            LOG.error("target of queue {} of device {} failed; holding its requests", spec.queueId(),
                    spec.deviceId(), e);
            failureListener.targetFailed(this, e);
        }
    }

    /** Fills {@code request} from the tag's descriptor; returns 0, or the errno that fails a request we must not serve. */
    private int describe(TagRequest request, int tag) {
        int opFlags = IoDesc.opFlags(descriptors, tag);
        int sectors = IoDesc.sectors(descriptors, tag);
        long start = IoDesc.startSector(descriptors, tag);
        IoOperation operation = switch (opFlags & 0xff) {
            case IoOp.READ -> IoOperation.READ;
            case IoOp.WRITE -> IoOperation.WRITE;
            case IoOp.FLUSH -> IoOperation.FLUSH;
            case IoOp.DISCARD -> IoOperation.DISCARD;
            case IoOp.WRITE_ZEROES -> IoOperation.WRITE_ZEROES;
            default -> null;
        };
        request.operation = operation;
        request.fua = (opFlags & IoOp.FLAG_FUA) != 0;
        request.noUnmap = (opFlags & IoOp.FLAG_NOUNMAP) != 0;
        request.offset = start << SECTOR_SHIFT;
        request.length = 0;
        request.bufferIndex = IoRequest.IN_BUFFER;
        request.userCopy = false;
        request.copiedBySyscall = false;
        if (operation == null) {
            return Errno.EOPNOTSUPP.number();
        }
        if (operation == IoOperation.FLUSH) {
            return 0;
        }
        long bytes = (long) sectors << SECTOR_SHIFT;
        if (sectors <= 0 || start < 0 || start > spec.deviceSectors() - sectors) {
            return Errno.EINVAL.number();
        }
        boolean moves = operation == IoOperation.READ || operation == IoOperation.WRITE;
        if (moves && bytes > spec.maxIoBytes()) {
            return Errno.EINVAL.number();
        }
        request.length = (int) Math.min(bytes, Integer.MAX_VALUE);
        return moves ? placeData(request, tag, opFlags) : 0;
    }

    /** Where a READ or WRITE's data is for the target; returns 0, or EIO when it cannot be reached. */
    private int placeData(TagRequest request, int tag, int opFlags) {
        if (!spec.zeroCopy()) {
            request.userCopy = spec.userCopy(); // copy mode, or USER_COPY
            return 0;
        }
        boolean pagesInTable = (opFlags & IoOp.FLAG_NEED_REG_BUF) == 0;
        if (pagesInTable && registeredBuffers) {
            request.bufferIndex = tag;
            return 0;
        }
        if (!spec.userCopy()) {
            return EIO; // the data is nowhere this queue or its target can reach
        }
        // the kernel could not register the pages (the fallback jublk asks for), or the target cannot use them
        request.userCopy = true;
        if (!pagesInTable && fallbacks++ == 0) {
            LOG.warn("queue {} of device {}: the kernel could not register a request's buffer; serving such"
                    + " requests through USER_COPY", spec.queueId(), spec.deviceId());
        }
        return 0;
    }

    /**
     * {@link IoRequest#moveDataToBuffer()}: a WRITE's data is copied into the tag's buffer now, a READ's out of
     * it when the request is committed. Both copies are plain pread / pwrite calls on /dev/ublkcN on this
     * thread, not ring operations: the target's slow path, which asks for this, holds the thread anyway, and
     * the ring would hand them to an io-wq worker (the device has no non-blocking I/O), which costs more.
     */
    boolean moveToBuffer(TagRequest request, int tag) {
        if (Thread.currentThread() != thread || requests[tag] != request || states[tag] != TagState.SERVING) {
            throw new IllegalStateException(request + ": moveDataToBuffer only on the queue thread, while the"
                    + " target serves the request");
        }
        if (request.bufferIndex == IoRequest.IN_BUFFER) {
            return true;
        }
        request.bufferIndex = IoRequest.IN_BUFFER;
        if (!spec.userCopy()) {
            LOG.error("queue {} of device {}: {} cannot move to a buffer without USER_COPY", spec.queueId(),
                    spec.deviceId(), request);
            request.complete(-EIO);
            return false;
        }
        request.copiedBySyscall = true;
        if (request.operation == IoOperation.WRITE && copyBySyscall(tag, true, request.length) != request.length) {
            request.complete(-EIO);
            return false;
        }
        return true;
    }

    /** pread (in) or pwrite of {@code length} bytes between /dev/ublkcN and the tag's buffer; -errno on failure. */
    private long copyBySyscall(int tag, boolean in, int length) {
        MemorySegment data = requests[tag].tagBuffer().asSlice(0, length);
        long at = IoCmd.userCopyOffset(spec.queueId(), tag, 0);
        try {
            return in ? Linux.pread(charFd, data, at) : Linux.pwrite(charFd, data, at);
        } catch (ErrnoException e) {
            LOG.error("queue {} of device {}: copying {} {} /dev/ublkc{}: {}", spec.queueId(), spec.deviceId(),
                    requests[tag], in ? "from" : "to", spec.deviceId(), e.getMessage());
            return -e.errno();
        }
    }

    // ---- completions from the target (any thread) -----------------------------------------------

    /** Called by {@link TagRequest#complete} on whatever thread the target used. */
    void completed(int tag, int res) {
        results[tag] = res;
        if (Thread.currentThread() == thread) {
            answered(tag);
            return;
        }
        mailbox.post(tag);
        if (!wakePending.getAndSet(true)) {
            waker.wake();
        }
    }

    /** A detached target answered a request the core had taken back and handed on: the answer is void. */
    void lateCompletion(int tag, int res) {
        LOG.debug("queue {} of device {}: late answer {} for tag {} from a detached target ignored",
                spec.queueId(), spec.deviceId(), res, tag);
    }

    private void takeCompletions() {
        for (int tag = mailbox.poll(); tag >= 0; tag = mailbox.poll()) {
            answered(tag);
        }
    }

    private void answered(int tag) {
        leftTarget(tag);
        commit(tag, results[tag]);
    }

    private void commit(int tag, int result) {
        move(tag, TagState.COMPLETED);
        TagRequest request = requests[tag];
        if (request.copiedBySyscall && request.operation == IoOperation.READ && result > 0) {
            int length = Math.min(result, request.length);
            queueCommit(tag, copyBySyscall(tag, false, length) == length ? result : -EIO);
            return;
        }
        if (request.userCopy && request.operation == IoOperation.READ && result > 0) {
            move(tag, TagState.COPYING);
            queueCopy(tag, false, Math.min(result, request.length));
            return;
        }
        queueCommit(tag, result);
    }

    private void queueCommit(int tag, int result) {
        queueCommand(IoCmd.COMMIT_AND_FETCH_REQ, tag, result);
    }

    private void queueCommand(int cmdOp, int tag, int result) {
        var sqe = ring.sqe().uringCmd(UBLKC_FILE, cmdOp).fixedFile().userData(tag);
        long buffer = spec.kernelCopies() ? requests[tag].tagBuffer().address() : 0;
        IoCmd.write(sqe.cmd(), spec.queueId(), tag, result, buffer);
        if (spec.zeroCopy()) {
            sqe.addr(IoCmd.autoBufReg(tag, spec.userCopy() ? IoCmd.AUTO_BUF_REG_FALLBACK : 0));
        }
        move(tag, TagState.FETCHING);
    }

    // ---- USER_COPY: the queue's own transfers through /dev/ublkcN --------------------------------

    /**
     * Reads a WRITE's data from the kernel into the tag's buffer ({@code in}), or writes a READ's data from it
     * to the kernel. /dev/ublkcN has no non-blocking reads, so the ring hands these to its workers at once.
     */
    private void queueCopy(int tag, boolean in, int length) {
        MemorySegment buffer = requests[tag].tagBuffer();
        long at = IoCmd.userCopyOffset(spec.queueId(), tag, 0);
        var sqe = in ? ring.sqe().read(UBLKC_FILE, buffer, 0, length, at)
                : ring.sqe().write(UBLKC_FILE, buffer, 0, length, at);
        sqe.fixedFile().async().userData(COPY_USER_DATA | tag);
    }

    private void copied(int tag, int res) {
        if (tag < 0 || tag >= spec.depth() || states[tag] != TagState.COPYING) {
            LOG.error("queue {} of device {}: copy completion for tag {} that is not copying", spec.queueId(),
                    spec.deviceId(), tag);
            return;
        }
        TagRequest request = requests[tag];
        boolean in = request.operation == IoOperation.WRITE;
        int expected = in ? request.length : Math.min(results[tag], request.length);
        if (res != expected) {
            LOG.error("queue {} of device {}: copying {} {} /dev/ublkc{} gave {}", spec.queueId(), spec.deviceId(),
                    request, in ? "from" : "to", spec.deviceId(), res < 0 ? Errno.nameOf(-res) : res + " bytes");
            queueCommit(tag, res < 0 ? res : -EIO);
        } else if (in) {
            handOver(tag, 0);
        } else {
            queueCommit(tag, results[tag]);
        }
    }

    private void move(int tag, TagState next) {
        TagState current = states[tag];
        if (!current.canBecome(next)) {
            throw new IllegalStateException("tag " + tag + " of queue " + spec.queueId() + " of device "
                    + spec.deviceId() + ": " + current + " -> " + next + " is not a legal transition");
        }
        states[tag] = next;
    }

    // ---- QueueContext -----------------------------------------------------------------------------

    @Override
    public int deviceId() {
        return spec.deviceId();
    }

    @Override
    public int queueId() {
        return spec.queueId();
    }

    @Override
    public int queueDepth() {
        return spec.depth();
    }

    @Override
    public int maxIoBytes() {
        return spec.maxIoBytes();
    }

    /** The queue thread's ring; only the queue thread may use it (the ring checks). */
    @Override
    public Ring ring() {
        if (ring == null) {
            throw new IllegalStateException("queue " + spec.queueId() + " has no ring yet");
        }
        return ring;
    }

    @Override
    public int registerFile(int fd) {
        if (ring == null || targetFiles >= TARGET_FILE_SLOTS) {
            return -1;
        }
        int index = 1 + targetFiles;
        try {
            ring.updateRegisteredFile(index, fd);
        } catch (ErrnoException e) {
            LOG.warn("queue {} of device {}: registering the target's fd {} failed ({}); it uses the plain fd",
                    spec.queueId(), spec.deviceId(), fd, e.getMessage());
            return -1;
        }
        targetFiles++;
        return index;
    }
}
