package io.jublk.uring.sys;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Test;

public class LinuxTest {

    @Test
    public void openWriteReadStatSyncAllocate() throws Exception {
        Path file = Files.createTempFile("linux", ".img");
        try (Arena arena = Arena.ofConfined()) {
            int fd = Linux.open(file.toString(), Linux.O_RDWR | Linux.O_CLOEXEC);
            try {
                MemorySegment out = AlignedMemory.allocate(arena, 8192);
                assertTrue(AlignedMemory.isAligned(out, Linux.pageSize()));
                out.set(ValueLayout.JAVA_LONG, 4096, 0x0102030405060708L);
                assertEquals(8192, Linux.pwrite(fd, out, 4096));
                MemorySegment in = AlignedMemory.allocate(arena, 8192);
                assertEquals(8192, Linux.pread(fd, in, 4096));
                assertEquals(0x0102030405060708L, in.get(ValueLayout.JAVA_LONG, 4096));
                Linux.fsync(fd);
                Linux.fdatasync(fd);
                Linux.fallocate(fd, 0, 0, 1 << 20);
                FileStat st = Linux.fstat(fd);
                assertEquals(1 << 20, st.size());
                assertTrue(st.isRegularFile());
                assertFalse(st.isBlockDevice());
                assertEquals(0, Linux.pread(fd, in, 10L << 20)); // end of file
            } finally {
                Linux.close(fd);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    public void directIoFlagIsAccepted() throws Exception {
        Path file = Files.createTempFile("direct", ".img");
        try (Arena arena = Arena.ofConfined()) {
            int fd = Linux.open(file.toString(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
            try {
                MemorySegment page = AlignedMemory.allocate(arena, 4096);
                assertEquals(4096, Linux.pwrite(fd, page, 0));
                MemorySegment odd = arena.allocate(4096 + 512, 512).asSlice(512 + 1, 1000);
                expectErrno(Errno.EINVAL, () -> Linux.pread(fd, odd, 0)); // O_DIRECT wants aligned memory
            } finally {
                Linux.close(fd);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    public void errorsAreTyped() {
        expectErrno(Errno.ENOENT, () -> Linux.open("/nonexistent/jublk", Linux.O_RDONLY));
        expectErrno(Errno.EBADF, () -> Linux.close(99999));
        expectErrno(Errno.EBADF, () -> Linux.fsync(99999));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16);
            expectErrno(Errno.EBADF, () -> Linux.pread(-1, buf, 0));
        }
    }

    @Test
    public void blockDeviceIoctlsOnARegularFileAreEnotty() throws Exception {
        Path file = Files.createTempFile("ioctl", ".img");
        int fd = Linux.open(file.toString(), Linux.O_RDONLY | Linux.O_CLOEXEC);
        try {
            expectErrno(Errno.ENOTTY, () -> Linux.blockDeviceSize(fd));
            expectErrno(Errno.ENOTTY, () -> Linux.logicalBlockSize(fd));
        } finally {
            Linux.close(fd);
            Files.deleteIfExists(file);
        }
    }

    @Test
    public void blockDeviceIoctlsOnARealDevice() throws Exception {
        String dev = null;
        int fd = -1;
        StringBuilder refused = new StringBuilder();
        for (String name : new String[] {"/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/loop0"}) {
            if (!Files.exists(Path.of(name))) {
                continue;
            }
            try {
                fd = Linux.open(name, Linux.O_RDONLY | Linux.O_CLOEXEC);
                dev = name;
                break;
            } catch (ErrnoException e) {
                refused.append(e.getMessage()).append("; ");
            }
        }
        org.junit.Assume.assumeTrue("no block device could be opened: " + refused, dev != null);
        try {
            FileStat st = Linux.fstat(fd);
            assertTrue(st.isBlockDevice());
            int lbs = Linux.logicalBlockSize(fd);
            assertTrue("logical block size " + lbs, lbs >= 512 && Integer.bitCount(lbs) == 1);
            assertTrue(Linux.physicalBlockSize(fd) >= lbs);
            long size = Linux.blockDeviceSize(fd);
            assertTrue(size >= 0);
            System.out.println(dev + ": " + size + " bytes, " + lbs + "-byte sectors, major " + st.rdevMajor()
                    + ", minor " + st.rdevMinor());
        } finally {
            Linux.close(fd);
        }
    }

    @Test
    public void mmapIsUnmappedWithItsArena() throws Exception {
        MemorySegment kept;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = Linux.mmap(1 << 20, Linux.PROT_READ | Linux.PROT_WRITE,
                    Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS, -1, 0, arena);
            m.set(ValueLayout.JAVA_INT, (1 << 20) - 4, 77);
            assertEquals(77, m.get(ValueLayout.JAVA_INT, (1 << 20) - 4));
            kept = m;
        }
        try {
            kept.get(ValueLayout.JAVA_INT, 0);
            fail("access after unmap must throw, not crash");
        } catch (IllegalStateException expected) {
            // the arena is closed
        }
        try (Arena arena = Arena.ofConfined()) {
            expectErrno(Errno.EBADF, () -> Linux.mmap(4096, Linux.PROT_READ, Linux.MAP_SHARED, 99999, 0, arena));
        }
    }

    @Test
    public void eventfdCounts() throws Exception {
        int efd = Linux.eventfd(0, Linux.EFD_CLOEXEC | Linux.EFD_NONBLOCK);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(8);
            v.set(ValueLayout.JAVA_LONG, 0, 3);
            Linux.write(efd, v);
            Linux.write(efd, v);
            assertEquals(8, Linux.read(efd, v));
            assertEquals(6, v.get(ValueLayout.JAVA_LONG, 0));
            expectErrno(Errno.EAGAIN, () -> Linux.read(efd, v));
        } finally {
            Linux.close(efd);
        }
    }

    @Test
    public void idsAndIoFlusher() throws Exception {
        assertEquals(ProcessHandle.current().pid(), Linux.getpid());
        int tid = Linux.gettid();
        assertTrue(tid > 0);
        int[] other = new int[1];
        Thread t = new Thread(() -> other[0] = Linux.gettid());
        t.start();
        t.join();
        assertTrue(other[0] > 0 && other[0] != tid);
        try {
            Linux.setIoFlusher(true);
            assertEquals(1, Linux.prctl(Linux.PR_GET_IO_FLUSHER, 0, 0, 0, 0));
            Linux.setIoFlusher(false);
            assertEquals(0, Linux.prctl(Linux.PR_GET_IO_FLUSHER, 0, 0, 0, 0));
        } catch (ErrnoException e) {
            assertSame("without CAP_SYS_RESOURCE the kernel answers EPERM", Errno.EPERM, e.error());
        }
    }

    @Test
    public void heapSegmentsAreRefused() {
        MemorySegment heap = MemorySegment.ofArray(new byte[16]);
        try {
            Linux.pread(0, heap, 0);
            fail();
        } catch (IllegalArgumentException expected) {
            // only native memory may reach the kernel
        } catch (ErrnoException e) {
            fail(e.toString());
        }
    }

    @Test
    public void errnoNames() {
        assertEquals("EBADF", Errno.nameOf(9));
        assertEquals("errno 200", Errno.nameOf(200));
        assertSame(Errno.EOPNOTSUPP, Errno.of(95));
        assertEquals(null, Errno.of(-1));
        assertEquals("x: ECANCELED (125, Operation canceled)", new ErrnoException("x", 125).getMessage());
    }

    interface Call {
        void run() throws Exception;
    }

    private static void expectErrno(Errno expected, Call call) {
        try {
            call.run();
            fail("expected " + expected);
        } catch (ErrnoException e) {
            assertSame(e.getMessage(), expected, e.error());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
