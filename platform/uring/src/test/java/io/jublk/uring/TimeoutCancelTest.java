package io.jublk.uring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.uring.sys.Linux;
import java.lang.foreign.MemorySegment;
import org.junit.Test;

public class TimeoutCancelTest {
    private static final int ENOENT = 2;
    private static final int EINTR = 4;
    private static final int EALREADY = 114;
    private static final int ETIME = 62;
    private static final int ECANCELED = 125;

    @Test
    public void timeoutExpires() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(8).build())) {
            long start = System.nanoTime();
            ring.sqe().timeout(20_000_000L, 0, 0).userData(1);
            Recorder r = new Recorder();
            r.await(ring, 1);
            long took = System.nanoTime() - start;
            assertEquals(-ETIME, r.res(1));
            assertTrue("took " + took, took >= 19_000_000L);
        }
    }

    @Test
    public void timeoutWithCountCompletesAfterOtherCompletions() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(8).build())) {
            ring.sqe().timeout(10_000_000_000L, 2, 0).userData(1);
            ring.sqe().nop().userData(2);
            ring.sqe().nop().userData(3);
            Recorder r = new Recorder();
            r.await(ring, 3);
            assertEquals(0, r.res(1));
        }
    }

    @Test
    public void cancelAndRemoveAPendingTimeout() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(8).build())) {
            ring.sqe().timeout(60_000_000_000L, 0, 0).userData(1);
            ring.sqe().timeout(60_000_000_000L, 0, 0).userData(2);
            ring.submit();
            ring.sqe().cancel(1, 0).userData(10);
            ring.sqe().timeoutRemove(2).userData(11);
            ring.sqe().cancel(12345, 0).userData(12);
            Recorder r = new Recorder();
            r.await(ring, 5);
            assertEquals(-ECANCELED, r.res(1));
            assertEquals(-ECANCELED, r.res(2));
            assertEquals(0, r.res(10));
            assertEquals(0, r.res(11));
            assertEquals(-ENOENT, r.res(12));
            assertEquals(0, ring.inFlight());
        }
    }

    @Test
    public void linkTimeoutCancelsAStuckRead() throws Exception {
        int[] pipe = Linux.pipe(Linux.O_CLOEXEC);
        try (Ring ring = Ring.open(RingConfig.builder(8).build())) {
            MemorySegment buf = ring.allocateBuffer(64);
            ring.sqe().read(pipe[0], buf, 0, 64, -1).userData(1).link();
            ring.sqe().linkTimeout(10_000_000L, 0).userData(2);
            Recorder r = new Recorder();
            r.await(ring, 2);
            assertEquals(-ECANCELED, r.res(1));
            assertEquals(-ETIME, r.res(2));
        } finally {
            Linux.close(pipe[0]);
            Linux.close(pipe[1]);
        }
    }

    @Test
    public void cancelAPendingPipeRead() throws Exception {
        int[] pipe = Linux.pipe(Linux.O_CLOEXEC);
        try (Ring ring = Ring.open(RingConfig.builder(8).build())) {
            MemorySegment buf = ring.allocateBuffer(64);
            ring.sqe().read(pipe[0], buf, 0, 64, -1).userData(1);
            ring.submit();
            ring.sqe().cancelFd(pipe[0], 0).userData(2);
            Recorder r = new Recorder();
            r.await(ring, 2);
            int res = r.res(1);
            assertTrue("read ended with " + res, res == -ECANCELED || res == -EINTR);
            assertEquals(1, r.res(2)); // one request cancelled
        } finally {
            Linux.close(pipe[0]);
            Linux.close(pipe[1]);
        }
    }

    @Test
    public void timedWaitReturnsWhenNothingCompletes() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(8).build())) {
            ring.sqe().timeout(60_000_000_000L, 0, 0).userData(1);
            long start = System.nanoTime();
            assertEquals(1, ring.submit());
            ring.submitAndWait(1, 30_000_000L);
            long took = System.nanoTime() - start;
            assertTrue("took " + took, took >= 25_000_000L && took < 5_000_000_000L);
            assertEquals(0, ring.drain(new Recorder()));
            assertEquals(1, ring.inFlight());
            int unused = EALREADY;
            assertTrue(unused > 0);
        }
    }
}
