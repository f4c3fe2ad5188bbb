package io.jublk.uring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** A full SQ and an overflowing CQ lose nothing. */
public class QueueLimitsTest {

    @Test
    public void fullSqSubmitsEarly() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(4).cqEntries(256).build())) {
            for (int i = 0; i < 100; i++) {
                ring.sqe().nop().userData(i);
            }
            Recorder r = new Recorder();
            r.await(ring, 100);
            for (int i = 0; i < 100; i++) {
                assertEquals(0, r.res(i));
            }
        }
    }

    @Test
    public void trySqeSaysWhenFull() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(4).build())) {
            for (int i = 0; i < 4; i++) {
                ring.trySqe().nop().userData(i);
            }
            assertEquals(0, ring.sqSpace());
            assertNull(ring.trySqe());
            assertEquals(4, ring.submit());
            assertEquals(4, ring.sqSpace());
        }
    }

    @Test
    public void fullSqInsideALinkedChainIsRefused() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(2).build())) {
            ring.sqe().nop().userData(1).link();
            ring.sqe().nop().userData(2).link();
            ErrorsTest.expect(IllegalStateException.class, ring::sqe);
        }
    }

    @Test
    public void cqOverflowLosesNothing() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(4).cqEntries(4).build())) {
            int total = 256;
            for (int i = 0; i < total; i++) {
                ring.sqe().nop().userData(i); // each full SQ is submitted; nobody drains meanwhile
            }
            ring.submit();
            assertEquals(total, ring.inFlight());
            Recorder r = new Recorder();
            int drained = ring.drain(r);
            assertEquals(total, drained);
            for (int i = 0; i < total; i++) {
                assertEquals(0, r.res(i));
            }
            assertEquals(0, ring.droppedCompletions());
            assertEquals(0, ring.inFlight());
            assertTrue(r.order.size() == total);
        }
    }

    @Test
    public void cqOverflowWithoutDeferredTaskrun() throws Exception {
        RingConfig plain = RingConfig.builder(4).cqEntries(4).deferTaskrun(false).coopTaskrun(false).build();
        try (Ring ring = Ring.open(plain)) {
            for (int i = 0; i < 64; i++) {
                ring.sqe().nop().userData(i);
            }
            ring.submit();
            Recorder r = new Recorder();
            r.await(ring, 64);
            assertEquals(64, r.results.size());
            assertEquals(0, ring.droppedCompletions());
        }
    }
}
