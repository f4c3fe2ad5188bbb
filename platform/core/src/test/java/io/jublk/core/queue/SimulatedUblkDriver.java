package io.jublk.core.queue;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jublk.core.uapi.IoCmd;
import io.jublk.core.uapi.IoDesc;
import io.jublk.core.uapi.IoOp;
import io.jublk.target.Target;
import io.jublk.uring.CompletionHandler;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A simulated ublk driver, for the core's own state machine only: the real {@link QueueRunner} with its
 * real io_uring (and real target operations on it), with the kernel's side played by the test. It is not
 * the kernel: what it claims about the kernel's behaviour (descriptors, copies, aborts) the kernel tests
 * judge in the ublk VM.
 *
 * <p>What it plays: a fetch waits here until the test hands the tag a request ({@link #request}); the
 * descriptor is written, a WRITE's data put where the mode says (the tag buffer whose address the last
 * command gave in copy mode; /dev/ublkcN's USER_COPY offset, here a plain file, in USER_COPY), and the
 * fetch completes. A COMMIT_AND_FETCH_REQ is recorded ({@link #awaitCommit}) with a READ's data as the
 * kernel would copy it out, and the tag waits for its next request. {@link #abortAll} aborts every fetch
 * (-ENODEV), as the kernel does when the device goes away.
 */
final class SimulatedUblkDriver implements UblkChannel {

    /** A commit as the driver saw it; {@code data} holds a READ's returned bytes (else empty). */
    record Commit(int tag, int result, byte[] data) {
    }

    private record Event(int tag, int res) {
    }

    final QueueSpec spec;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment descriptors;
    private final Path userCopyFile;
    private final int charFd;
    private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<Commit> commits = new LinkedBlockingQueue<>();
    /** Per tag: a fetch waits here; the buffer address the last command gave; the op of the request out. */
    private final boolean[] fetchPending;
    private final long[] bufferAddress;
    private final int[] opOut;
    private final int[] lengthOut;
    /** Commands the driver refuses next, per tag (0: none), with that errno. */
    private final int[] refuseNext;
    private final List<Integer> refused = new CopyOnWriteArrayList<>();
    private volatile boolean aborting;
    private volatile QueueRunner runner;
    /** With UBLK_F_BATCH_IO: the batching channel the queue talks to (this driver plays the kernel behind it). */
    volatile SimulatedBatchDriver batch;

    /** @param flags the UBLK_F_* flags the device "accepted": 0 for copy mode, USER_COPY, ... */
    SimulatedUblkDriver(int depth, long deviceSectors, long flags) throws IOException {
        this.spec = new QueueSpec(0, 0, depth, 512 << 10, deviceSectors, flags);
        this.descriptors = arena.allocate(IoDesc.SIZE * depth, 8);
        this.userCopyFile = Files.createTempFile("sim-ublkc", ".bin");
        this.charFd = Linux.open(userCopyFile.toString(), Linux.O_RDWR | Linux.O_CLOEXEC);
        this.fetchPending = new boolean[depth];
        this.bufferAddress = new long[depth];
        this.opOut = new int[depth];
        this.lengthOut = new int[depth];
        this.refuseNext = new int[depth];
    }

    /** A queue on this driver, started, with its first fetches in. */
    QueueRunner start(Target target, QueueRunner.TargetFailureListener listener) throws Exception {
        if (spec.batchIo()) {
            batch = new SimulatedBatchDriver(this);
        }
        UblkChannel channel = spec.batchIo() ? batch : this;
        QueueRunner q = new QueueRunner(spec, charFd, channel, target, listener);
        runner = q;
        q.start();
        q.fetched().get(10, TimeUnit.SECONDS);
        return q;
    }

    // ---- the test's side ------------------------------------------------------------------------------

    /** Hands tag {@code tag} a request once its fetch is in; a WRITE carries {@code data}. */
    void request(int tag, int op, long startSector, int sectors, int flags, byte[] data) throws Exception {
        awaitFetch(tag);
        long at = (long) tag * IoDesc.SIZE;
        descriptors.set(JAVA_INT, at, op | flags);
        descriptors.set(JAVA_INT, at + 4, sectors);
        descriptors.set(JAVA_LONG, at + 8, startSector);
        descriptors.set(JAVA_LONG, at + 16, 0L);
        synchronized (this) {
            fetchPending[tag] = false;
            opOut[tag] = op;
            lengthOut[tag] = sectors << 9;
            if (op == IoOp.WRITE && data != null) {
                MemorySegment src = MemorySegment.ofArray(data);
                if (spec.kernelCopies()) {
                    MemorySegment.ofAddress(bufferAddress[tag]).reinterpret(data.length).copyFrom(src);
                } else {
                    Linux.pwrite(charFd, arena.allocate(data.length).copyFrom(src),
                            IoCmd.userCopyOffset(spec.queueId(), tag, 0));
                }
            }
        }
        post(tag, IoCmd.RES_OK);
    }

    void awaitFetch(int tag) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            synchronized (this) {
                if (fetchPending[tag]) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("tag " + tag + " was not fetched within 10 s");
            }
            Thread.sleep(1);
        }
    }

    /** The next commit of any tag, or null when none comes within {@code millis}. */
    Commit awaitCommit(long millis) throws InterruptedException {
        return commits.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** The driver refuses tag {@code tag}'s next command with {@code -errno}, as the kernel does for a bad one. */
    synchronized void refuseNextCommand(int tag, Errno errno) {
        refuseNext[tag] = errno.number();
    }

    /** Tags whose command was refused, in order. */
    List<Integer> refused() {
        return new ArrayList<>(refused);
    }

    /** Aborts every fetch in and every later one (-ENODEV): the device is going away. */
    void abortAll() {
        aborting = true;
        synchronized (this) {
            for (int tag = 0; tag < fetchPending.length; tag++) {
                if (fetchPending[tag]) {
                    fetchPending[tag] = false;
                    events.add(new Event(tag, -Errno.ENODEV.number()));
                }
            }
        }
        wake();
    }

    private void post(int tag, int res) {
        events.add(new Event(tag, res));
        wake();
    }

    void wake() {
        QueueRunner q = runner;
        if (q != null) {
            q.wake();
        }
    }

    // ---- the queue's side (queue thread) ----------------------------------------------------------------

    @Override
    public void open() {
    }

    @Override
    public MemorySegment descriptors() {
        return descriptors;
    }

    /** The driver breaks the queue thread at its next command (as a bug in the queue would). */
    volatile boolean breakNextCommand;

    @Override
    public synchronized void queueCommand(Ring ring, int cmdOp, int tag, int result, long buffer) {
        if (breakNextCommand) {
            breakNextCommand = false;
            throw new IllegalStateException("simulated bug at the command of tag " + tag);
        }
        bufferAddress[tag] = buffer;
        if (refuseNext[tag] != 0) {
            int errno = refuseNext[tag];
            refuseNext[tag] = 0;
            refused.add(tag);
            events.add(new Event(tag, -errno));
            return;
        }
        if (cmdOp == IoCmd.COMMIT_AND_FETCH_REQ) {
            commits.add(new Commit(tag, result, returnedData(tag, result, buffer)));
        }
        if (aborting) {
            events.add(new Event(tag, -Errno.ENODEV.number()));
        } else {
            fetchPending[tag] = true;
        }
    }

    /** A READ's data as the kernel would copy it out at the commit. */
    private byte[] returnedData(int tag, int result, long buffer) {
        if (opOut[tag] != IoOp.READ || result <= 0) {
            return new byte[0];
        }
        int length = Math.min(result, lengthOut[tag]);
        if (spec.kernelCopies()) {
            return MemorySegment.ofAddress(buffer).reinterpret(length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(length);
            Linux.pread(charFd, data, IoCmd.userCopyOffset(spec.queueId(), tag, 0));
            return data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void deliver(CompletionHandler handler) {
        for (Event e = events.poll(); e != null; e = events.poll()) {
            handler.onCompletion(UserData.command(e.tag()), e.res(), 0);
        }
    }

    @Override
    public void close() {
        // the descriptors outlive the queue; the test closes the driver
    }

    /** Ends the queue (aborting its fetches) and frees what the driver holds. */
    void shutDown() throws Exception {
        QueueRunner q = runner;
        if (q != null) {
            q.requestStop();
            abortAll();
            q.finished().get(10, TimeUnit.SECONDS);
            q.freeBuffersAfterExit(1000);
        }
        Linux.close(charFd);
        Files.deleteIfExists(userCopyFile);
        arena.close();
    }
}
