package io.jublk.uring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jublk.uring.sys.Linux;
import java.io.File;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Test;

/** Closing with work in flight neither crashes nor leaks, and the ring is unusable afterwards. */
public class CloseTest {

    @Test
    public void closeCancelsALongTimeout() throws Exception {
        Ring ring = Ring.open(RingConfig.builder(8).build());
        ring.sqe().timeout(3_600_000_000_000L, 0, 0).userData(1);
        ring.submit();
        assertEquals(1, ring.inFlight());
        long start = System.nanoTime();
        ring.close();
        assertTrue("close took too long", System.nanoTime() - start < 1_000_000_000L);
        assertTrue(ring.closedCleanly());
        assertEquals(0, ring.inFlight());
    }

    @Test
    public void whatOnlyTheExitEndsIsNotWaitedFor() throws Exception {
        Ring ring = Ring.open(RingConfig.builder(8).closeTimeout(Duration.ofSeconds(5)).build());
        // the long timeout stands for an operation no cancel request reaches (a ublk fetch)
        ring.sqe().timeout(3_600_000_000_000L, 0, 0).userData(1);
        ring.submit();
        long start = System.nanoTime();
        ring.close(1);
        assertTrue("close waited for it", System.nanoTime() - start < 2_000_000_000L);
        assertFalse("its memory is kept", ring.closedCleanly());
    }

    @Test
    public void closeCancelsAPipeReadIntoRingMemory() throws Exception {
        int[] pipe = Linux.pipe(Linux.O_CLOEXEC);
        try {
            Ring ring = Ring.open(RingConfig.builder(8).wakeable(true).build());
            MemorySegment buf = ring.allocateBuffer(4096);
            ring.sqe().read(pipe[0], buf, 0, 4096, -1).userData(1);
            ring.sqe().read(pipe[0], buf, 0, 4096, -1).userData(2);
            ring.submit();
            ring.close();
            assertTrue(ring.closedCleanly());
            // the reads are gone: this write is not consumed by a freed buffer
            MemorySegment data = MemorySegment.ofArray(new byte[8]);
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                MemorySegment native8 = arena.allocate(8);
                native8.copyFrom(data);
                assertEquals(8, Linux.write(pipe[1], native8));
                assertEquals(8, Linux.read(pipe[0], native8));
            }
        } finally {
            Linux.close(pipe[0]);
            Linux.close(pipe[1]);
        }
    }

    @Test
    public void unsubmittedSqesAreDropped() throws Exception {
        Ring ring = Ring.open(RingConfig.builder(8).build());
        ring.sqe().nop().userData(1);
        ring.sqe().timeout(3_600_000_000_000L, 0, 0).userData(2);
        ring.close();
        assertTrue(ring.closedCleanly());
    }

    @Test
    public void ringIsUnusableButHarmlessAfterClose() throws Exception {
        Ring ring = Ring.open(RingConfig.builder(8).wakeable(true).build());
        Sqe stale = ring.sqe().nop();
        Waker waker = ring.waker();
        ring.close();
        ring.close(); // idempotent
        ErrorsTest.expect(IllegalStateException.class, ring::sqe);
        ErrorsTest.expect(IllegalStateException.class, ring::submit);
        ErrorsTest.expect(IllegalStateException.class, () -> ring.drain(new Recorder()));
        ErrorsTest.expect(IllegalStateException.class, () -> ring.allocateBuffer(4096));
        // the flyweight points into the unmapped SQE array: writing through it throws, not crashes
        ErrorsTest.expect(IllegalStateException.class, () -> stale.userData(5));
        assertFalse(waker.wake());
    }

    @Test
    public void closeTimeoutLeaksRatherThanFreesMemoryTheKernelMayWrite() throws Exception {
        Ring ring = Ring.open(RingConfig.builder(8).closeTimeout(Duration.ZERO).build());
        ring.sqe().timeout(3_600_000_000_000L, 0, 0).userData(1);
        ring.submit();
        ring.close();
        assertTrue(ring.isClosed());
        assertFalse("memory must be leaked, not freed, while an operation may be in flight", ring.closedCleanly());
    }

    @Test
    public void anotherThreadMayCloseOnlyAfterTheOwnerDied() throws Exception {
        AtomicReference<Ring> idle = new AtomicReference<>();
        AtomicReference<Ring> busy = new AtomicReference<>();
        Thread owner = new Thread(() -> {
            try {
                idle.set(Ring.open(RingConfig.builder(4).build()));
                Ring b = Ring.open(RingConfig.builder(4).build());
                b.sqe().timeout(3_600_000_000_000L, 0, 0).userData(1);
                b.submit();
                busy.set(b);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "short-lived-owner");
        owner.start();
        owner.join();
        idle.get().close();
        assertTrue(idle.get().closedCleanly());
        busy.get().close();
        assertTrue(busy.get().isClosed());
        assertFalse("operations were outstanding when the owner died", busy.get().closedCleanly());
    }

    @Test
    public void noFdLeakOverManyRingsClosedWithWorkInFlight() throws Exception {
        int[] pipe = Linux.pipe(Linux.O_CLOEXEC);
        try {
            int before = openFds();
            for (int i = 0; i < 300; i++) {
                Ring ring = Ring.open(RingConfig.builder(16).wakeable(true).build());
                ring.registerFiles(pipe[0]);
                MemorySegment buf = ring.allocateBuffer(4096);
                ring.sqe().read(0, buf, 0, 4096, -1).fixedFile().userData(1);
                ring.sqe().timeout(3_600_000_000_000L, 0, 0).userData(2);
                ring.sqe().nop().userData(3);
                ring.submit();
                ring.close();
                assertTrue("cycle " + i, ring.closedCleanly());
            }
            assertEquals(before, openFds());
        } finally {
            Linux.close(pipe[0]);
            Linux.close(pipe[1]);
        }
    }

    private static int openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }
}
