package io.jublk.uring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** O_DIRECT file I/O through the ring: plain, fixed, vectored, registered files, sync, fallocate, links. */
public class FileIoTest {
    private static final int PAGE = 4096;
    private static final int ECANCELED = 125;

    private Path file;
    private int fd;
    private Ring ring;
    private Arena arena;

    @Before
    public void setUp() throws Exception {
        file = TestFiles.newFile("fileio");
        fd = TestFiles.openDirect(file);
        ring = Ring.open(RingConfig.builder(32).build());
        arena = Arena.ofConfined();
    }

    @After
    public void tearDown() throws Exception {
        if (ring != null) {
            ring.close();
        }
        if (arena != null) {
            arena.close();
        }
        if (fd > 0) {
            Linux.close(fd);
        }
    }

    @Test
    public void directWriteThenReadBack() throws Exception {
        MemorySegment out = ring.allocateBuffer(4 * PAGE);
        fill(out, 7);
        MemorySegment in = ring.allocateBuffer(4 * PAGE);
        ring.sqe().write(fd, out, 0, 4 * PAGE, 8 * PAGE).userData(1);
        Recorder r = new Recorder();
        r.await(ring, 1);
        assertEquals(4 * PAGE, r.res(1));
        ring.sqe().read(fd, in, PAGE, 2 * PAGE, 9 * PAGE).userData(2);
        r.await(ring, 2);
        assertEquals(2 * PAGE, r.res(2));
        assertEquals(-1, MemorySegment.mismatch(out, PAGE, 3 * PAGE, in, PAGE, 3 * PAGE));
        assertEquals(12L * PAGE, Linux.fstat(fd).size());
    }

    @Test
    public void directIoRejectsUnalignedOffsetWithEinval() throws Exception {
        MemorySegment buf = ring.allocateBuffer(PAGE);
        Linux.pwrite(fd, buf, 0); // past end of file a read returns 0 before checking alignment
        ring.sqe().read(fd, buf, 0, PAGE, 100).userData(1);
        Recorder r = new Recorder();
        r.await(ring, 1);
        assertEquals(-22, r.res(1));
    }

    @Test
    public void fixedBuffers() throws Exception {
        MemorySegment a = ring.allocateBuffer(2 * PAGE);
        MemorySegment b = ring.allocateBuffer(2 * PAGE);
        ring.registerBuffers(a, b);
        fill(b, 3);
        ring.sqe().writeFixed(fd, b, PAGE, PAGE, 0, 1).userData(1);
        Recorder r = new Recorder();
        r.await(ring, 1);
        assertEquals(PAGE, r.res(1));
        ring.sqe().readFixed(fd, a, 0, PAGE, 0, 0).userData(2);
        r.await(ring, 2);
        assertEquals(PAGE, r.res(2));
        assertEquals(-1, MemorySegment.mismatch(a, 0, PAGE, b, PAGE, 2 * PAGE));
        // an address outside the named registered buffer is refused by the kernel
        ring.sqe().readFixed(fd, b, 0, PAGE, 0, 0).userData(3);
        r.await(ring, 3);
        assertEquals(-14, r.res(3)); // EFAULT
        ring.unregisterBuffers();
    }

    @Test
    public void sparseBufferTable() throws Exception {
        ring.registerBuffersSparse(4);
        try {
            ring.registerBuffersSparse(4);
            throw new AssertionError("a second buffer table was registered");
        } catch (io.jublk.uring.sys.ErrnoException e) {
            assertEquals(io.jublk.uring.sys.Errno.EBUSY, e.error());
        }
        // an empty slot (where ublk would put a request's pages) is refused
        MemorySegment buf = ring.allocateBuffer(2 * PAGE);
        ring.sqe().readRegistered(fd, 2, 0, PAGE, 0).userData(1);
        Recorder r = new Recorder();
        r.await(ring, 1);
        assertEquals(-14, r.res(1)); // EFAULT
        // a slot filled later works like a buffer of registerBuffers
        fill(buf, 5);
        ring.updateRegisteredBuffer(2, buf);
        ring.sqe().writeFixed(fd, buf, PAGE, PAGE, 0, 2).userData(2);
        r.await(ring, 2);
        assertEquals(PAGE, r.res(2));
        MemorySegment back = ring.allocateBuffer(PAGE);
        Linux.pread(fd, back, 0);
        assertEquals(-1, MemorySegment.mismatch(buf, PAGE, 2 * PAGE, back, 0, PAGE));
        ring.unregisterBuffers();
    }

    @Test
    public void registeredFiles() throws Exception {
        ring.registerFiles(-1, fd);
        MemorySegment buf = ring.allocateBuffer(PAGE);
        fill(buf, 11);
        ring.sqe().write(1, buf, 0, PAGE, 0).fixedFile().userData(1);
        ring.sqe().read(0, buf, 0, PAGE, 0).fixedFile().userData(2); // slot 0 is empty
        Recorder r = new Recorder();
        r.await(ring, 2);
        assertEquals(PAGE, r.res(1));
        assertEquals(-9, r.res(2)); // EBADF
        ring.updateRegisteredFile(0, fd);
        MemorySegment back = ring.allocateBuffer(PAGE);
        ring.sqe().read(0, back, 0, PAGE, 0).fixedFile().userData(3);
        r.await(ring, 3);
        assertEquals(PAGE, r.res(3));
        assertEquals(-1, buf.mismatch(back));
        ring.unregisterFiles();
    }

    @Test
    public void vectoredReadAndWrite() throws Exception {
        MemorySegment p1 = ring.allocateBuffer(PAGE);
        MemorySegment p2 = ring.allocateBuffer(2 * PAGE);
        fill(p1, 1);
        fill(p2, 2);
        IoVecs out = IoVecs.allocate(arena, 2).set(0, p1, 0, PAGE).set(1, p2, 0, 2 * PAGE);
        ring.sqe().writev(fd, out, 2, 0).userData(1);
        Recorder r = new Recorder();
        r.await(ring, 1);
        assertEquals(3 * PAGE, r.res(1));
        MemorySegment whole = ring.allocateBuffer(3 * PAGE);
        IoVecs in = IoVecs.allocate(arena, 3);
        for (int i = 0; i < 3; i++) {
            in.set(i, whole, (long) i * PAGE, PAGE);
        }
        ring.sqe().readv(fd, in, 3, 0).userData(2);
        r.await(ring, 2);
        assertEquals(3 * PAGE, r.res(2));
        assertEquals(-1, MemorySegment.mismatch(p1, 0, PAGE, whole, 0, PAGE));
        assertEquals(-1, MemorySegment.mismatch(p2, 0, 2 * PAGE, whole, PAGE, 3 * PAGE));
    }

    @Test
    public void fsyncAndDatasync() throws Exception {
        MemorySegment buf = ring.allocateBuffer(PAGE);
        ring.sqe().write(fd, buf, 0, PAGE, 0).userData(1);
        ring.sqe().fsync(fd, 0).userData(2);
        ring.sqe().fsync(fd, IoUring.FSYNC_DATASYNC).userData(3);
        Recorder r = new Recorder();
        r.await(ring, 3);
        assertEquals(PAGE, r.res(1));
        assertEquals(0, r.res(2));
        assertEquals(0, r.res(3));
    }

    @Test
    public void fallocateExtendsTheFile() throws Exception {
        ring.sqe().fallocate(fd, 0, 0, 1 << 20).userData(1);
        ring.sqe().fallocate(fd, Linux.FALLOC_FL_KEEP_SIZE, 1 << 20, 1 << 20).userData(2);
        Recorder r = new Recorder();
        r.await(ring, 2);
        assertEquals(0, r.res(1));
        assertEquals(0, r.res(2));
        assertEquals(1 << 20, Linux.fstat(fd).size());
        ring.sqe().fallocate(fd, Linux.FALLOC_FL_PUNCH_HOLE | Linux.FALLOC_FL_KEEP_SIZE, 0, PAGE).userData(3);
        r.await(ring, 3);
        assertEquals(0, r.res(3));
    }

    @Test
    public void linkedWriteSyncReadRunInOrder() throws Exception {
        MemorySegment out = ring.allocateBuffer(PAGE);
        MemorySegment in = ring.allocateBuffer(PAGE);
        fill(out, 5);
        ring.sqe().write(fd, out, 0, PAGE, 0).userData(1).link();
        ring.sqe().fsync(fd, IoUring.FSYNC_DATASYNC).userData(2).link();
        ring.sqe().read(fd, in, 0, PAGE, 0).userData(3);
        Recorder r = new Recorder();
        r.await(ring, 3);
        assertEquals(PAGE, r.res(1));
        assertEquals(0, r.res(2));
        assertEquals(PAGE, r.res(3));
        assertEquals(java.util.List.of(1L, 2L, 3L), r.order);
        assertEquals(-1, out.mismatch(in));
    }

    @Test
    public void failedLinkCancelsTheRestOfTheChain() throws Exception {
        MemorySegment buf = ring.allocateBuffer(PAGE);
        Linux.pwrite(fd, buf, 0);
        ring.sqe().read(fd, buf, 0, PAGE, 3).userData(1).link(); // unaligned offset: EINVAL
        ring.sqe().fsync(fd, 0).userData(2).link();
        ring.sqe().nop().userData(3);
        Recorder r = new Recorder();
        r.await(ring, 3);
        assertEquals(-22, r.res(1));
        assertEquals(-ECANCELED, r.res(2));
        assertEquals(-ECANCELED, r.res(3));
    }

    @Test
    public void manyReadsInFlightAtOnce() throws Exception {
        MemorySegment data = ring.allocateBuffer(64 * PAGE);
        for (int i = 0; i < 64; i++) {
            data.asSlice((long) i * PAGE, PAGE).fill((byte) i);
        }
        ring.sqe().write(fd, data, 0, 64 * PAGE, 0).userData(1000);
        Recorder r = new Recorder();
        r.await(ring, 1);
        MemorySegment[] bufs = new MemorySegment[64];
        for (int i = 0; i < 64; i++) {
            bufs[i] = ring.allocateBuffer(PAGE);
            ring.sqe().read(fd, bufs[i], 0, PAGE, (long) (63 - i) * PAGE).userData(i); // SQ of 32: auto-submits
        }
        r.await(ring, 65);
        for (int i = 0; i < 64; i++) {
            assertEquals(PAGE, r.res(i));
            assertEquals((byte) (63 - i), bufs[i].get(ValueLayout.JAVA_BYTE, PAGE - 1));
        }
        assertTrue(ring.inFlight() == 0);
    }

    private static void fill(MemorySegment segment, int seed) {
        for (long i = 0; i < segment.byteSize(); i += 8) {
            segment.set(ValueLayout.JAVA_LONG, i, seed * 0x9E3779B97F4A7C15L + i);
        }
    }
}
