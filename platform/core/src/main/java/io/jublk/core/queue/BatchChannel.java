package io.jublk.core.queue;

import io.jublk.core.uapi.BatchIo;
import io.jublk.core.uapi.IoCmd;
import io.jublk.uring.BufferRing;
import io.jublk.uring.IoUring;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ublk driver with UBLK_F_BATCH_IO: instead of a command per tag, the queue's FETCH_REQs go out as one
 * PREP_IO_CMDS, its COMMIT_AND_FETCH_REQs of a loop turn as one COMMIT_IO_CMDS, and new requests arrive
 * through one multishot FETCH_IO_CMDS that writes their tags into buffers of a provided-buffer ring. To the
 * queue it looks like the per-tag driver: {@link #batchCompleted} reports per tag what a per-tag command's
 * completion would have said, so the tag state machine and the hand-over are the same in both modes.
 *
 * <p>Element arrays stay untouched until their command's completion (the kernel may read them from an
 * io-wq worker); a commit waits for a free array when all are in flight. Nothing here allocates after
 * {@link #open}. Queue thread only.
 */
class BatchChannel implements UblkChannel {
    private static final Logger LOG = LoggerFactory.getLogger(BatchChannel.class);
    /** Element arrays for commits; one more (the last) is PREP's. */
    static final int COMMIT_BUFFERS = 4;
    /** Buffers in the fetch ring; the kernel takes a whole one per completion. */
    static final int FETCH_BUFFERS = 16;
    /** The kernel hands over at most 128 tags per completion (2 bytes each). */
    static final int FETCH_BUFFER_BYTES = 256;
    static final int FETCH_GROUP = 0;
    private static final int MAX_FETCH_FAILURES = 3;
    private static final int ENODEV = Errno.ENODEV.number();
    private static final int ENOBUFS = Errno.ENOBUFS.number();

    final QueueSpec spec;
    final int elemBytes;
    final int batchFlags;
    private final int charFd;
    private final int prepBuffer = COMMIT_BUFFERS;
    private final Arena arena = Arena.ofShared();
    /** Fetch buffers and commit arrays: the kernel writes the ones and reads the others while its commands last. */
    private final Arena buffers = Arena.ofShared();
    private boolean keepBuffers;
    private MemorySegment descriptors;
    private final MemorySegment[] elemArrays = new MemorySegment[COMMIT_BUFFERS + 1];
    /** Elements of each array's command in flight; 0 when the array is free. */
    private final int[] inFlight = new int[COMMIT_BUFFERS + 1];
    private final MemorySegment[] fetchBuffers = new MemorySegment[FETCH_BUFFERS];
    private BufferRing fetchRing;
    private boolean fetchBuffersProvided;

    /** Per tag: the result and buffer address of its queued command, and whether the kernel has the tag. */
    private final int[] results;
    private final long[] addresses;
    private final boolean[] inKernel;
    private final int[] pendingPrep;
    private final int[] pendingCommit;
    private int pendingPreps;
    private int pendingCommits;
    private boolean fetchArmed;
    /** The fetch ended for good (the queue is going away): every tag still in the kernel is aborted. */
    private boolean fetchDead;
    private int fetchFailures;

    BatchChannel(QueueSpec spec, int charFd) {
        this.spec = spec;
        this.charFd = charFd;
        if (spec.kernelCopies()) {
            batchFlags = BatchIo.F_HAS_BUF_ADDR;
        } else {
            batchFlags = spec.zeroCopy() && spec.userCopy() ? BatchIo.F_AUTO_BUF_REG_FALLBACK : 0;
        }
        elemBytes = BatchIo.elemBytes(batchFlags);
        int depth = spec.depth();
        results = new int[depth];
        addresses = new long[depth];
        inKernel = new boolean[depth];
        pendingPrep = new int[depth];
        pendingCommit = new int[depth];
    }

    @Override
    public void open() throws ErrnoException {
        descriptors = mapDescriptors(arena);
        for (int i = 0; i < elemArrays.length; i++) {
            elemArrays[i] = AlignedMemory.allocate(buffers, (long) spec.depth() * elemBytes);
        }
        MemorySegment fetchMemory = AlignedMemory.allocate(buffers, (long) FETCH_BUFFERS * FETCH_BUFFER_BYTES);
        for (int i = 0; i < FETCH_BUFFERS; i++) {
            fetchBuffers[i] = fetchMemory.asSlice((long) i * FETCH_BUFFER_BYTES, FETCH_BUFFER_BYTES);
        }
    }

    @Override
    public MemorySegment descriptors() {
        return descriptors;
    }

    @Override
    public void queueCommand(Ring ring, int cmdOp, int tag, int result, long bufferAddress) {
        results[tag] = result;
        addresses[tag] = bufferAddress;
        inKernel[tag] = true;
        if (cmdOp == IoCmd.FETCH_REQ) {
            pendingPrep[pendingPreps++] = tag;
        } else {
            pendingCommit[pendingCommits++] = tag;
        }
    }

    @Override
    public void flush(Ring ring) {
        if (!fetchBuffersProvided && !fetchDead) {
            fetchBuffersProvided = true;
            try {
                fetchRing = registerFetchBuffers(ring);
            } catch (ErrnoException e) {
                throw new IllegalStateException("queue " + spec.queueId() + " of device " + spec.deviceId()
                        + ": no provided-buffer ring for BATCH_IO fetches: " + e.getMessage(), e);
            }
            for (int id = 0; id < FETCH_BUFFERS; id++) {
                provideFetchBuffer(id);
            }
        }
        if (pendingPreps > 0 && inFlight[prepBuffer] == 0) {
            pendingPreps = send(ring, BatchIo.PREP_IO_CMDS, UserData.BATCH_PREP, prepBuffer, pendingPrep,
                    pendingPreps);
        }
        if (pendingCommits > 0) {
            for (int b = 0; b < COMMIT_BUFFERS; b++) {
                if (inFlight[b] == 0) {
                    pendingCommits = send(ring, BatchIo.COMMIT_IO_CMDS, UserData.BATCH_COMMIT, b, pendingCommit,
                            pendingCommits);
                    break;
                }
            } // all in flight: the next completion frees one, and the next turn sends these
        }
        // only once the tags are prepped: before that the kernel refuses a fetch (the queue is not ready)
        if (!fetchArmed && !fetchDead && inFlight[prepBuffer] == 0 && pendingPreps == 0) {
            fetchArmed = true;
            issueFetch(ring);
        }
    }

    /** Writes the pending tags into array {@code b} and sends them; returns how many are left pending (0). */
    private int send(Ring ring, int cmdOp, int kind, int b, int[] tags, int count) {
        MemorySegment elems = elemArrays[b];
        for (int i = 0; i < count; i++) {
            int tag = tags[i];
            BatchIo.writeElem(elems, i, elemBytes, tag, spec.zeroCopy() ? tag : 0, results[tag], addresses[tag]);
        }
        inFlight[b] = count;
        issue(ring, cmdOp, UserData.batch(kind, b), elems, count);
        return 0;
    }

    @Override
    public void batchCompleted(long userData, int res, int flags, Commands commands) {
        int kind = UserData.batchKind(userData);
        if (kind == UserData.BATCH_FETCH) {
            fetched(res, flags, commands);
            return;
        }
        int b = UserData.batchBuffer(userData);
        int count = inFlight[b];
        inFlight[b] = 0;
        MemorySegment elems = elemArrays[b];
        if (kind == UserData.BATCH_PREP) {
            // all or nothing: the kernel undoes a partial prep
            if (res < 0 || fetchDead) {
                refused(elems, 0, count, res < 0 ? res : -ENODEV, commands);
            }
            return;
        }
        int handled = res < 0 ? 0 : Math.min(count, res / elemBytes);
        if (fetchDead) {
            refused(elems, 0, count, -ENODEV, commands); // committed or not, these tags are never fetched again
            return;
        }
        if (handled < count) {
            int tag = BatchIo.elemTag(elems, handled, elemBytes);
            LOG.warn("queue {} of device {}: the kernel committed {} of {} results; tag {} refused ({})",
                    spec.queueId(), spec.deviceId(), handled, count, tag, res < 0 ? Errno.nameOf(-res) : "partial");
            // the elements after the refused one were never looked at: they go out again as they were
            for (int i = handled + 1; i < count; i++) {
                int next = BatchIo.elemTag(elems, i, elemBytes);
                pendingCommit[pendingCommits++] = next;
            }
            refused(elems, handled, handled + 1, res < 0 ? res : -Errno.EINVAL.number(), commands);
        }
    }

    private void refused(MemorySegment elems, int from, int to, int res, Commands commands) {
        for (int i = from; i < to; i++) {
            int tag = BatchIo.elemTag(elems, i, elemBytes);
            inKernel[tag] = false;
            commands.commandCompleted(tag, res);
        }
    }

    private void fetched(int res, int flags, Commands commands) {
        int id = BufferRing.bufferId(flags);
        if (id >= 0 && id < FETCH_BUFFERS) {
            MemorySegment buffer = fetchBuffers[id];
            int count = res > 0 ? Math.min(res, FETCH_BUFFER_BYTES) / BatchIo.FETCH_ELEM_BYTES : 0;
            for (int i = 0; i < count; i++) {
                int tag = BatchIo.fetchedTag(buffer, i);
                if (tag == BatchIo.UNUSED_TAG) {
                    continue;
                }
                if (tag >= spec.depth() || !inKernel[tag]) {
                    LOG.error("queue {} of device {}: the fetch handed over tag {}, which the kernel does not have",
                            spec.queueId(), spec.deviceId(), tag);
                    continue;
                }
                inKernel[tag] = false;
                commands.commandCompleted(tag, IoCmd.RES_OK);
            }
            provideFetchBuffer(id);
        }
        if ((flags & IoUring.CQE_F_MORE) != 0) {
            fetchFailures = 0;
            return;
        }
        fetchArmed = false;
        if (res == -ENODEV || res == -Errno.ECANCELED.number()) {
            abortAll(commands);
        } else if (res < 0 && res != -ENOBUFS && ++fetchFailures >= MAX_FETCH_FAILURES) {
            LOG.error("queue {} of device {}: the batch fetch failed {} times ({}); the queue is out of service",
                    spec.queueId(), spec.deviceId(), fetchFailures, Errno.nameOf(-res));
            abortAll(commands);
        } // else the next flush arms it again
    }

    /** The fetch is gone for good: every tag the kernel has (or gets) is aborted, as per-tag fetches would be. */
    private void abortAll(Commands commands) {
        fetchDead = true;
        for (int tag = 0; tag < inKernel.length; tag++) {
            if (inKernel[tag] && !pending(tag)) {
                inKernel[tag] = false;
                commands.commandCompleted(tag, -ENODEV);
            }
        }
    }

    /** Whether the tag's command is queued here or in flight (its completion reports the tag then). */
    private boolean pending(int tag) {
        for (int i = 0; i < pendingCommits; i++) {
            if (pendingCommit[i] == tag) {
                return true;
            }
        }
        for (int i = 0; i < pendingPreps; i++) {
            if (pendingPrep[i] == tag) {
                return true;
            }
        }
        for (int b = 0; b < elemArrays.length; b++) {
            for (int i = 0; i < inFlight[b]; i++) {
                if (BatchIo.elemTag(elemArrays[b], i, elemBytes) == tag) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public int commandsOnlyExitEnds() {
        return fetchArmed ? 1 : 0; // the multishot fetch; a prep or commit completes when it is issued
    }

    @Override
    public void keepMemory() {
        keepBuffers = true;
    }

    @Override
    public void close() {
        arena.close();
        if (!keepBuffers) {
            buffers.close();
        }
    }

    // ---- what goes to the driver: the kernel's here, a simulated one's in tests ------------------------

    MemorySegment mapDescriptors(Arena memory) throws ErrnoException {
        return KernelChannel.mapDescriptors(spec, charFd, memory);
    }

    BufferRing registerFetchBuffers(Ring ring) throws ErrnoException {
        return ring.registerBufferRing(FETCH_GROUP, FETCH_BUFFERS);
    }

    /** Gives fetch buffer {@code id} (back) to the kernel. */
    void provideFetchBuffer(int id) {
        fetchRing.add(fetchBuffers[id], id);
        fetchRing.publish();
    }

    /** Fetch buffer {@code id}, where the driver writes tags. */
    MemorySegment fetchBuffer(int id) {
        return fetchBuffers[id];
    }

    void issue(Ring ring, int cmdOp, long userData, MemorySegment elems, int count) {
        var sqe = ring.sqe().uringCmd(KernelChannel.UBLKC_FILE, cmdOp).fixedFile().userData(userData)
                .addr(elems.address()).len(count * elemBytes);
        BatchIo.writeHeader(sqe.cmd(), spec.queueId(), batchFlags, count, elemBytes);
    }

    void issueFetch(Ring ring) {
        var sqe = ring.sqe().uringCmd(KernelChannel.UBLKC_FILE, BatchIo.FETCH_IO_CMDS).fixedFile()
                .uringCmdFlags(IoUring.URING_CMD_MULTISHOT).bufferSelect(FETCH_GROUP)
                .userData(UserData.batch(UserData.BATCH_FETCH, 0));
        BatchIo.writeHeader(sqe.cmd(), spec.queueId(), 0, FETCH_BUFFER_BYTES / BatchIo.FETCH_ELEM_BYTES,
                BatchIo.FETCH_ELEM_BYTES);
    }
}
