package io.jublk.uring;

import io.jublk.uring.internal.Liburing;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.ErrnoException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeoutException;

/**
 * One io_uring instance, owned by one thread. liburing sets it up, registers resources and tears it
 * down; SQEs are written and the SQ/CQ indexes moved in Java over the mapped rings (release store of
 * the SQ tail, acquire load of the CQ tail, release store of the CQ head), and {@code io_uring_enter}
 * is called once per batch.
 *
 * <p>A queue thread's loop:
 * <pre>{@code
 * try (Ring ring = Ring.open(RingConfig.builder(64).wakeable(true).build())) {
 *     ring.registerFiles(ublkCharFd);
 *     for (int tag = 0; tag < depth; tag++) {
 *         ring.sqe().uringCmd(0, UBLK_IO_FETCH_REQ).fixedFile().cmdShort(0, (short) qid)
 *             .cmdShort(2, (short) tag).cmdLong(8, bufferAddress[tag]).userData(tag);
 *     }
 *     while (running) {
 *         ring.submitAndWait(1);   // one syscall: submit everything queued, wait for a completion
 *         ring.drain(handler);     // handler queues follow-up SQEs with ring.sqe()
 *     }
 * }
 * }</pre>
 *
 * <p>Rules the ring enforces: only the owner thread (the creator, or the thread that called
 * {@link #adopt()}) may submit, wait, drain, register or close, else {@link WrongThreadException};
 * {@link #close()} cancels what is in flight and waits for its completions before freeing the memory
 * the kernel may write (if they do not come within the close timeout, that memory is leaked rather
 * than freed); steady-state submit and drain allocate nothing.
 *
 * <p>Ring is the owner-checked API; the work is in its {@link RingParts}: RingEnter (io_uring_enter, in-flight
 * count), CompletionReaper (drain, dispatch, wake-up read), RegisteredResources, RingOwnership, CloseSequence.
 */
public final class Ring implements AutoCloseable {
    /** User data values from here to -1 are reserved for the ring's own operations. */
    public static final long RESERVED_USER_DATA_MIN = -16;
    static final long UD_WAKE = -2;
    static final long UD_CANCEL = -3;

    private final RingParts parts;
    // The parts every submit and drain uses, kept at hand; RingParts says what each one does.
    private final RingOwnership ownership;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private final RingEnter entry;
    private final CompletionReaper reaper;
    private long sqesTaken;
    private boolean closedCleanly;

    private Ring(RingParts parts) {
        this.parts = parts;
        this.ownership = parts.ownership;
        this.sq = parts.sq;
        this.cq = parts.cq;
        this.entry = parts.entry;
        this.reaper = parts.reaper;
    }

    /**
     * Sets up a ring as {@code config} asks. The calling thread becomes its owner unless
     * {@link RingConfig#handOff()} is set, in which case the owner is whoever calls {@link #adopt()}.
     *
     * @throws UringUnavailableException when io_uring cannot be used here (the message says why)
     */
    public static Ring open(RingConfig config) throws IOException {
        Ring ring = new Ring(RingParts.open(config));
        if (!config.handOff()) {
            try {
                ring.parts.becomeOwner();
            } catch (IOException | RuntimeException e) {
                ring.close();
                throw e;
            }
        }
        return ring;
    }

    /**
     * Makes the calling thread the owner of a ring opened with {@link RingConfig#handOff()} and enables
     * it. Does nothing if the caller already owns it.
     */
    public synchronized void adopt() throws ErrnoException {
        if (!ownership.adoptable()) {
            return;
        }
        ErrnoException.check(Liburing.enableRings(parts.ringFd), "io_uring_register(ENABLE_RINGS)");
        parts.becomeOwner();
    }

    // ---- submission ---------------------------------------------------------------------------

    /**
     * The next free SQE, zeroed (a NOP until you call an operation on it). If the SQ is full, what is
     * queued is submitted first to make room, unless the last queued SQE links to this one (check
     * {@link #sqSpace()} before starting a chain).
     *
     * @throws UncheckedIOException if that early submit fails
     */
    public Sqe sqe() {
        ownership.checkOwner();
        if (!sq.hasSpace()) {
            entry.makeRoom();
        }
        sqesTaken++;
        return sq.next();
    }

    /** Like {@link #sqe()}, but returns null instead of submitting when the SQ is full. */
    public Sqe trySqe() {
        ownership.checkOwner();
        if (!sq.hasSpace()) {
            return null;
        }
        sqesTaken++;
        return sq.next();
    }

    /**
     * How many SQEs {@link #sqe()} and {@link #trySqe()} have handed out since the ring was opened (the ring's
     * own wake-up and cancel SQEs not counted): the difference across a call tells how many operations that
     * call queued, e.g. to account for the operations of a plug-in that shares the ring.
     */
    public long sqesTaken() {
        return sqesTaken;
    }

    /** Free SQ slots: how many {@link #sqe()} calls will not need an early submit. */
    public int sqSpace() {
        ownership.checkOwner();
        return sq.space();
    }

    /** SQEs prepared but not yet taken by the kernel. */
    public int pending() {
        ownership.checkOwner();
        return sq.queued();
    }

    /**
     * Operations the kernel took whose completion has not been drained yet (includes the ring's own
     * wake-up read when it is {@link RingConfig#wakeable()}).
     */
    public long inFlight() {
        return entry.inFlight();
    }

    /** Submits everything queued without waiting. Returns how many SQEs the kernel took. */
    public int submit() throws ErrnoException {
        ownership.checkOwner();
        return entry.enter(0, -1);
    }

    /**
     * Submits everything queued and waits until at least {@code minComplete} completions are ready,
     * in one io_uring_enter. Returns how many SQEs the kernel took.
     *
     * @throws IllegalStateException when fewer than {@code minComplete} operations are outstanding,
     *                               since that wait could never end
     */
    public int submitAndWait(int minComplete) throws ErrnoException {
        ownership.checkOwner();
        requireNonNegative(minComplete);
        return entry.enter(minComplete, -1);
    }

    /**
     * Like {@link #submitAndWait(int)} but gives up waiting after {@code timeoutNanos} (needs
     * IORING_FEAT_EXT_ARG, Linux 5.11+). Running out of time is not an error: drain to see what came.
     */
    public int submitAndWait(int minComplete, long timeoutNanos) throws ErrnoException {
        ownership.checkOwner();
        requireNonNegative(minComplete);
        if (timeoutNanos < 0) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeoutNanos);
        }
        return entry.enter(minComplete, timeoutNanos);
    }

    // ---- completion ---------------------------------------------------------------------------

    /**
     * Hands every ready completion to {@code handler}, moving the CQ head once per batch, and flushes
     * completions the kernel holds back (after a CQ overflow; deferred task work when nothing else was
     * ready). Does not block or submit. The handler may queue new SQEs but not call drain again.
     * Returns the number handled.
     */
    public int drain(CompletionHandler handler) {
        ownership.checkOwner();
        return reaper.drain(handler);
    }

    /**
     * The extra 16 bytes of the completion being handled, in a ring set up with
     * {@link RingConfig#cqe32()}; {@code index} is 0 or 1. Valid only inside the handler.
     */
    public long cqeExtra(int index) {
        ownership.checkOwner();
        return cq.extra(index);
    }

    /**
     * Submits what is queued and waits for the completion carrying {@code userData}, handing any other
     * completion to {@code others} (or dropping it when null). Returns its {@code res}. Meant for the
     * control ring's "submit one command, wait for it".
     */
    public int awaitCompletion(long userData, CompletionHandler others) throws ErrnoException {
        try {
            return awaitCompletion(userData, others, -1);
        } catch (TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Like {@link #awaitCompletion(long, CompletionHandler)} with a time limit ({@code timeoutNanos < 0}
     * waits forever). On timeout the operation is still in flight; cancel it or wait again.
     */
    public int awaitCompletion(long userData, CompletionHandler others, long timeoutNanos)
            throws ErrnoException, TimeoutException {
        ownership.checkOwner();
        return reaper.awaitCompletion(userData, others, timeoutNanos);
    }

    // ---- resources ----------------------------------------------------------------------------

    /** Registers files; SQEs then name them by index with {@link Sqe#fixedFile()}. -1 leaves a slot empty. */
    public void registerFiles(int... fds) throws ErrnoException {
        parts.resources.registerFiles(fds);
    }

    /** Replaces registered file {@code index} with {@code fd} (-1 empties the slot). */
    public void updateRegisteredFile(int index, int fd) throws ErrnoException {
        parts.resources.updateRegisteredFile(index, fd);
    }

    public void unregisterFiles() throws ErrnoException {
        parts.resources.unregisterFiles();
    }

    /**
     * Registers buffers for READ_FIXED/WRITE_FIXED and URING_CMD_FIXED; buffer i gets index i. The
     * kernel pins their pages: keep them alive until {@link #unregisterBuffers()} or close
     * ({@link #allocateBuffer(long)} memory always is).
     */
    public void registerBuffers(MemorySegment... buffers) throws ErrnoException {
        parts.resources.registerBuffers(buffers);
    }

    /**
     * Registers a table of {@code count} empty buffer slots (Linux 5.19+). Slots are filled later with
     * {@link #updateRegisteredBuffer}, or by the kernel itself: a ublk device with UBLK_F_AUTO_BUF_REG puts
     * each request's pages into the slot its fetch command names, on the ring that issued it, and takes them
     * out again at the commit ({@link Sqe#readRegistered} addresses such buffers).
     */
    public void registerBuffersSparse(int count) throws ErrnoException {
        parts.resources.registerBuffersSparse(count);
    }

    /**
     * Puts {@code buffer} into registered-buffer slot {@code index}, replacing what the slot held (the slot
     * must exist). Keep it alive like a buffer of {@link #registerBuffers}.
     */
    public void updateRegisteredBuffer(int index, MemorySegment buffer) throws ErrnoException {
        parts.resources.updateRegisteredBuffer(index, buffer);
    }

    public void unregisterBuffers() throws ErrnoException {
        parts.resources.unregisterBuffers();
    }

    /**
     * Registers a ring of {@code count} (a power of two, up to 32768) provided buffers as buffer group
     * {@code group}; its memory lives as long as the ring, and closing the ring unregisters it.
     */
    public BufferRing registerBufferRing(int group, int count) throws ErrnoException {
        return parts.resources.registerBufferRing(group, count);
    }

    /**
     * Page-aligned, zeroed memory that lives exactly as long as the ring: freed on close only once no
     * operation can still write into it. Any thread may call this.
     */
    public MemorySegment allocateBuffer(long size) {
        if (ownership.closed()) {
            throw new IllegalStateException("ring is closed");
        }
        return AlignedMemory.allocate(parts.memory, size);
    }

    /** The waker of a {@link RingConfig#wakeable()} ring. */
    public Waker waker() {
        if (parts.waker == null) {
            throw new IllegalStateException("ring was not opened wakeable");
        }
        return parts.waker;
    }

    // ---- facts --------------------------------------------------------------------------------

    /** The ring fd (e.g. for IORING_OP_MSG_RING from another ring, or diagnostics). */
    public int fd() {
        return parts.ringFd;
    }

    /** The IORING_SETUP_* flags in effect (after any fallback). */
    public int setupFlags() {
        return parts.setupFlags;
    }

    /** IORING_FEAT_* bits the kernel reported. */
    public int features() {
        return parts.features;
    }

    public int sqEntries() {
        return sq.entries();
    }

    public int cqEntries() {
        return cq.entries();
    }

    /** Whether the kernel supports opcode {@code op} (true when the kernel cannot be probed). */
    public boolean supportsOp(int op) {
        boolean[] ops = parts.supportedOps;
        return ops == null || (op >= 0 && op < ops.length && ops[op]);
    }

    /** Completions the kernel had to drop (the CQ ring's overflow counter; stays 0 with FEAT_NODROP). */
    public int droppedCompletions() {
        ownership.checkOwner();
        return cq.dropped();
    }

    public Thread owner() {
        return ownership.owner();
    }

    public boolean isClosed() {
        return ownership.closed();
    }

    /** After close: whether every operation completed and the ring's memory was freed (false means leaked). */
    public boolean closedCleanly() {
        return closedCleanly;
    }

    @Override
    public String toString() {
        return "Ring[fd=" + parts.ringFd + ", sq=" + sq.entries() + ", cq=" + cq.entries() + ", setup="
                + UringSupport.setupFlagNames(parts.setupFlags) + (ownership.closed() ? ", closed" : "") + "]";
    }

    // ---- close --------------------------------------------------------------------------------

    /**
     * Cancels what is in flight, waits (up to {@link RingConfig#closeTimeout()}) for those completions,
     * then unmaps and closes the ring. Memory the kernel might still write is freed only if every
     * completion arrived; otherwise it is leaked on purpose and a warning is logged. The owner closes;
     * another thread may close only once the owner thread has ended. Idempotent.
     */
    @Override
    public void close() {
        close(0);
    }

    /**
     * Like {@link #close()} for a ring that has {@code onlyExitEnds} operations in flight that no cancel
     * request reaches (a driver's uring_cmds that its file cancels only when the ring exits, such as a ublk
     * queue's fetch): once everything else has completed it closes without waiting out the close timeout
     * for those. Their memory is kept, as for any operation still in flight.
     */
    public synchronized void close(int onlyExitEnds) {
        if (ownership.closed()) {
            return;
        }
        closedCleanly = parts.closing.run(onlyExitEnds, parts.views, parts.struct, parts.memory);
    }

    // ---- internals ----------------------------------------------------------------------------

    /** The bytes of SQE {@code slot}, for tests that check what the kernel will read. */
    MemorySegment rawSqe(int slot) {
        return sq.raw(slot);
    }

    private static void requireNonNegative(int minComplete) {
        if (minComplete < 0) {
            throw new IllegalArgumentException("minComplete must not be negative: " + minComplete);
        }
    }
}
