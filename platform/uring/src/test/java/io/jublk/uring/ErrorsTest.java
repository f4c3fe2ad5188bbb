package io.jublk.uring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.Test;

/** Negative results become typed errors; bad arguments are refused before they reach the kernel. */
public class ErrorsTest {

    @Test
    public void badFdIsEbadf() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(4).build())) {
            ring.sqe().read(9999, ring.allocateBuffer(4096), 0, 4096, 0).userData(1);
            Recorder r = new Recorder();
            r.await(ring, 1);
            try {
                ErrnoException.check(r.res(1), "read fd 9999");
                fail();
            } catch (ErrnoException e) {
                assertSame(Errno.EBADF, e.error());
                assertEquals(9, e.errno());
                assertEquals("read fd 9999: EBADF (9, Bad file descriptor)", e.getMessage());
            }
        }
    }

    @Test
    public void uringCmdOnAFileWithoutItIsEopnotsupp() throws Exception {
        Path file = TestFiles.newFile("cmd");
        int fd = Linux.open(file.toString(), Linux.O_RDWR | Linux.O_CLOEXEC);
        int devNull = Linux.open("/dev/null", Linux.O_RDWR | Linux.O_CLOEXEC);
        try (Ring ring = Ring.open(RingConfig.builder(4).sqe128(true).build())) {
            ring.sqe().uringCmd(fd, 0x1234).cmdLong(0, 42).userData(1);
            int res = ring.awaitCompletion(1, null);
            ring.sqe().uringCmd(devNull, 0x1234).userData(2);
            int resNull = ring.awaitCompletion(2, null);
            System.out.println("URING_CMD on a regular file: " + Errno.nameOf(-res) + ", on /dev/null: res "
                    + resNull);
            // What this kernel really answers: a file without a ->uring_cmd handler refuses the opcode,
            // while /dev/null has a no-op handler (drivers/char/mem.c) that succeeds.
            assertEquals(Errno.EOPNOTSUPP, Errno.of(-res));
            assertEquals(0, resNull);
        } finally {
            Linux.close(fd);
            Linux.close(devNull);
        }
    }

    @Test
    public void heapAndOutOfBoundsAndClosedBuffersAreRefused() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(4).build())) {
            MemorySegment heap = MemorySegment.ofArray(new byte[4096]);
            expect(IllegalArgumentException.class, () -> ring.sqe().read(0, heap, 0, 4096, 0));
            MemorySegment buf = ring.allocateBuffer(4096);
            expect(IndexOutOfBoundsException.class, () -> ring.sqe().read(0, buf, 1, 4096, 0));
            expect(IndexOutOfBoundsException.class, () -> ring.sqe().write(0, buf, -1, 10, 0));
            expect(IllegalArgumentException.class, () -> ring.sqe().write(0, buf, 0, -1, 0));
            MemorySegment gone;
            try (Arena arena = Arena.ofConfined()) {
                gone = arena.allocate(4096);
            }
            MemorySegment closed = gone;
            expect(IllegalStateException.class, () -> ring.sqe().read(0, closed, 0, 4096, 0));
            expect(IllegalArgumentException.class, () -> ring.sqe().nop().userData(-1));
            expect(IllegalArgumentException.class, () -> ring.sqe().nop().userData(Ring.RESERVED_USER_DATA_MIN));
            ring.sqe().nop().userData(Ring.RESERVED_USER_DATA_MIN - 1); // just outside the range is fine
            expect(IllegalArgumentException.class, () -> ring.sqe().nop().flags(IoUring.IOSQE_CQE_SKIP_SUCCESS));
            expect(IllegalArgumentException.class, () -> ring.sqe().timeout(-1, 0, 0));
            expect(IllegalArgumentException.class, () -> ring.sqe().bufIndex(70000));
            expect(IllegalArgumentException.class, () -> ring.sqe().fsync(0, 2));
            expect(IllegalArgumentException.class, () -> ring.sqe().cmd(MemorySegment.ofArray(new byte[17])));
            expect(IllegalArgumentException.class, () -> ring.submitAndWait(-1));
            // the refused SQEs were left as zeroed NOPs; they complete harmlessly
            ring.submit();
        }
    }

    @Test
    public void waitingForMoreThanIsOutstandingIsRefused() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(4).build())) {
            ring.sqe().nop().userData(1);
            expect(IllegalStateException.class, () -> ring.submitAndWait(2));
            ring.submitAndWait(1);
            assertEquals(1, ring.drain(new Recorder()));
            expect(IllegalStateException.class, () -> ring.awaitCompletion(77, null));
        }
    }

    @Test
    public void configValidation() {
        expect(IllegalArgumentException.class, () -> RingConfig.builder(0));
        expect(IllegalArgumentException.class, () -> RingConfig.builder(65536));
        expect(IllegalArgumentException.class, () -> RingConfig.builder(8).cqEntries(4));
        expect(IllegalArgumentException.class, () -> RingConfig.builder(8).cqEntries(1 << 20));
    }

    @Test
    public void setupFailuresAreExplained() {
        RingConfig c = RingConfig.builder(8).build();
        assertTrue(RingSetup.explain(1, c).contains("io_uring_disabled"));
        assertTrue(RingSetup.explain(38, c).contains("no io_uring"));
        assertTrue(RingSetup.explain(12, c).contains("RLIMIT_MEMLOCK"));
        assertTrue(RingSetup.explain(22, c).contains("5.19"));
    }

    interface Action {
        void run() throws Exception;
    }

    static void expect(Class<? extends Throwable> type, Action action) {
        try {
            action.run();
        } catch (Throwable t) {
            if (type.isInstance(t)) {
                return;
            }
            throw new AssertionError("expected " + type.getSimpleName() + " but got " + t, t);
        }
        throw new AssertionError("expected " + type.getSimpleName());
    }
}
