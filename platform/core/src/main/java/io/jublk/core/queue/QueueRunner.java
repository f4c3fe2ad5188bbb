package io.jublk.core.queue;

import io.jublk.core.uapi.IoCmd;
import io.jublk.core.uapi.IoDesc;
import io.jublk.core.uapi.IoOp;
import io.jublk.target.IoOperation;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
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
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * ublk commands, whose user data is the tag. The ring is sized for both: SQ twice the depth, CQ four times.
 */
public final class QueueRunner implements Runnable, CompletionHandler, QueueContext {
    private static final Logger LOG = LoggerFactory.getLogger(QueueRunner.class);
    private static final int SECTOR_SHIFT = 9;
    /** Fixed-file slots after /dev/ublkcN (slot 0) that targets may fill with {@link #registerFile}. */
    static final int TARGET_FILE_SLOTS = 4;

    private final QueueSpec spec;
    private final int charFd;
    private final Target target;
    private final TagState[] states;
    private final TagRequest[] requests;
    private final CompletionMailbox mailbox;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final CompletableFuture<Void> fetched = new CompletableFuture<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffers;

    private volatile Thread thread;
    private volatile boolean stopRequested;
    private volatile int threadId = -1;
    private Ring ring;
    private Waker waker;
    private MemorySegment descriptors;
    private TargetQueue targetQueue;
    private int aborted;
    private int serving;
    private int targetFiles;

    /**
     * @param charFd the device's /dev/ublkcN, open for reading and writing; stays open until {@link #finished()}
     */
    public QueueRunner(QueueSpec spec, int charFd, Target target) throws ErrnoException {
        if (spec.depth() < 1 || spec.depth() > IoDesc.MAX_QUEUE_DEPTH) {
            throw new IllegalArgumentException("queue depth must be 1.." + IoDesc.MAX_QUEUE_DEPTH + ": " + spec.depth());
        }
        this.spec = spec;
        this.charFd = charFd;
        this.target = target;
        this.states = new TagState[spec.depth()];
        this.requests = new TagRequest[spec.depth()];
        this.mailbox = new CompletionMailbox(spec.depth());
        // Anonymous mapping: pages are only backed once the kernel copies data into them.
        this.buffers = Linux.mmap((long) spec.depth() * spec.maxIoBytes(), Linux.PROT_READ | Linux.PROT_WRITE,
                Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS, -1, 0, arena);
        for (int tag = 0; tag < spec.depth(); tag++) {
            states[tag] = TagState.IDLE;
            requests[tag] = new TagRequest(this, tag,
                    buffers.asSlice((long) tag * spec.maxIoBytes(), spec.maxIoBytes()));
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

    /** Completes when the thread has released the ring and the mapping. */
    public CompletableFuture<Void> finished() {
        return finished;
    }

    /** Asks the thread to finish once no request is with the target; the kernel's aborts end it sooner. */
    public void requestStop() {
        stopRequested = true;
        Waker w = waker;
        if (w != null) {
            w.wake();
        }
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
        ring = Ring.open(RingConfig.builder(2 * spec.depth()).cqEntries(4 * spec.depth()).wakeable(true).build());
        waker = ring.waker();
        int[] files = new int[1 + TARGET_FILE_SLOTS];
        Arrays.fill(files, -1);
        files[0] = charFd;
        ring.registerFiles(files);
        long page = Linux.pageSize();
        descriptors = Linux.mmap(IoDesc.mmapLength(spec.depth(), page), Linux.PROT_READ,
                Linux.MAP_SHARED | Linux.MAP_POPULATE, charFd, IoDesc.mmapOffset(spec.queueId(), page), arena);
        targetQueue = target.openQueue(this);
        for (int tag = 0; tag < spec.depth(); tag++) {
            queueCommand(IoCmd.FETCH_REQ, tag, 0);
        }
        ring.submit();
        fetched.complete(null);
    }

    private void serve() throws ErrnoException {
        while (aborted < spec.depth() && !(stopRequested && serving == 0)) {
            ring.submitAndWait(1);
            ring.drain(this);
            takeCompletions();
        }
    }

    private void tearDown() {
        if (targetQueue != null) {
            try {
                targetQueue.close();
            } catch (RuntimeException e) {
                LOG.warn("target queue {} of device {} failed to close", spec.queueId(), spec.deviceId(), e);
            }
        }
        if (ring != null) {
            // cancels fetches still in the kernel and waits for them before the buffers go
            ring.close();
        }
        if (ring == null || ring.closedCleanly()) {
            arena.close();
        } else {
            LOG.error("queue {} of device {}: the kernel still holds commands; keeping their buffers mapped",
                    spec.queueId(), spec.deviceId());
        }
    }

    // ---- completions from the ring (queue thread) ----------------------------------------------

    @Override
    public void onCompletion(long userData, int res, int flags) {
        if (userData > 0 && (userData & TARGET_USER_DATA) != 0) {
            targetCompletion(userData, res, flags);
            return;
        }
        int tag = (int) userData;
        if (userData < 0 || tag >= spec.depth()) {
            LOG.error("queue {} of device {}: completion for unknown user data {}", spec.queueId(), spec.deviceId(),
                    userData);
            return;
        }
        if (res == IoCmd.RES_OK) {
            move(tag, TagState.SERVING);
            serving++;
            dispatch(tag);
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
        try {
            targetQueue.onCompletion(userData, res, flags);
        } catch (RuntimeException e) {
            LOG.error("target of queue {} of device {} failed on the completion of its operation 0x{} (res {})",
                    spec.queueId(), spec.deviceId(), Long.toHexString(userData), res, e);
        }
    }

    @Override
    public void onWakeup() {
        wakePending.set(false);
    }

    private void dispatch(int tag) {
        TagRequest request = requests[tag];
        int opFlags = IoDesc.opFlags(descriptors, tag);
        int sectors = IoDesc.sectors(descriptors, tag);
        long start = IoDesc.startSector(descriptors, tag);
        int error = describe(request, opFlags & 0xff, opFlags, sectors, start);
        request.arm();
        if (error != 0) {
            request.complete(-error);
            return;
        }
        try {
            targetQueue.submit(request);
        } catch (RuntimeException e) {
            LOG.error("target failed on {} of queue {} of device {}", request, spec.queueId(), spec.deviceId(), e);
            completeQuietly(request, -Errno.EIO.number());
        }
    }

    /** Fills {@code request} from a descriptor; returns 0, or the errno that fails a request we must not serve. */
    private int describe(TagRequest request, int op, int opFlags, int sectors, long start) {
        IoOperation operation = switch (op) {
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
        return 0;
    }

    private static void completeQuietly(TagRequest request, int res) {
        try {
            request.complete(res);
        } catch (IllegalStateException alreadyCompleted) {
            // the target completed before it threw; that answer stands
        }
    }

    // ---- completions from the target (any thread) -----------------------------------------------

    /** Called by {@link TagRequest#complete} on whatever thread the target used. */
    void completed(int tag) {
        if (Thread.currentThread() == thread) {
            commit(tag);
            return;
        }
        mailbox.post(tag);
        if (!wakePending.getAndSet(true)) {
            waker.wake();
        }
    }

    private void takeCompletions() {
        for (int tag = mailbox.poll(); tag >= 0; tag = mailbox.poll()) {
            commit(tag);
        }
    }

    private void commit(int tag) {
        move(tag, TagState.COMPLETED);
        serving--;
        queueCommand(IoCmd.COMMIT_AND_FETCH_REQ, tag, requests[tag].result);
    }

    private void queueCommand(int cmdOp, int tag, int result) {
        var sqe = ring.sqe().uringCmd(0, cmdOp).fixedFile().userData(tag);
        IoCmd.write(sqe.cmd(), spec.queueId(), tag, result, requests[tag].buffer().address());
        move(tag, TagState.FETCHING);
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
