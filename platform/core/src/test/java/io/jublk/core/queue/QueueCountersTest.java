package io.jublk.core.queue;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.core.device.IoCounters;
import io.jublk.core.uapi.IoOp;
import io.jublk.target.IoOperation;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;

/** The queue's counters move with the requests it commits, against the simulated driver and a file target. */
public class QueueCountersTest {
    private static final int LENGTH = 4096;
    @Rule
    public final SimulatedDriverRule sim = new SimulatedDriverRule();

    @Test
    public void countsRequestsBytesAndErrorsByOperation() throws Exception {
        Path file = sim.backingFile("counters", LENGTH * 16);
        long sectors = LENGTH * 16 / 512;
        SimulatedUblkDriver driver = sim.driver(4, sectors, 0);
        QueueRunner q = driver.start(new FileTarget(file), (runner, cause) -> { });
        assertEquals(IoCounters.ZERO, new IoCounters(q.counters()));
        driver.request(0, IoOp.READ, 0, LENGTH / 512, 0, null);
        assertEquals(LENGTH, driver.awaitCommit(5000).result());
        driver.request(0, IoOp.READ, 8, LENGTH / 512, 0, null);
        assertEquals(LENGTH, driver.awaitCommit(5000).result());
        driver.request(1, IoOp.WRITE, 16, LENGTH / 512, 0, new byte[LENGTH]);
        assertEquals(LENGTH, driver.awaitCommit(5000).result());
        driver.request(2, IoOp.FLUSH, 0, 0, 0, null);
        assertEquals(0, driver.awaitCommit(5000).result());
        driver.request(3, IoOp.READ, sectors, LENGTH / 512, 0, null); // past the end: refused, EINVAL
        assertEquals(-22, driver.awaitCommit(5000).result());

        IoCounters c = new IoCounters(q.counters());
        assertEquals(3, c.requests(IoOperation.READ));
        assertEquals(2L * LENGTH, c.bytes(IoOperation.READ));
        assertEquals(1, c.errors(IoOperation.READ));
        assertEquals(1, c.requests(IoOperation.WRITE));
        assertEquals(LENGTH, c.bytes(IoOperation.WRITE));
        assertEquals(1, c.requests(IoOperation.FLUSH));
        assertEquals(0, c.requests(IoOperation.DISCARD));
        assertEquals(1, c.errors());
    }

    /**
     * In flight counts a request from its arrival to its commit, held one a core holds (here fenced by a stuck
     * target, then waiting for a target); the latency histogram gets each request once, its time included.
     */
    @Test
    public void inFlightHeldAndLatency() throws Exception {
        Path file = sim.backingFile("counters", LENGTH * 16);
        SimulatedUblkDriver driver = sim.driver(4, LENGTH * 16 / 512, 0);
        GatedTarget stuck = new GatedTarget();
        QueueRunner q = driver.start(stuck, (runner, cause) -> { });
        driver.request(0, IoOp.WRITE, 0, LENGTH / 512, 0, new byte[LENGTH]);
        awaitCounters(q, c -> c.inFlight() == 1 && c.held() == 0, "one request with the target");
        q.detachTarget();
        q.forceDetach().get(5, TimeUnit.SECONDS); // taken back: held, fenced until the stuck operation ends
        driver.request(1, IoOp.READ, 8, LENGTH / 512, 0, null); // no target: held
        awaitCounters(q, c -> c.inFlight() == 2 && c.held() == 2, "two requests held");
        Thread.sleep(60);
        q.attachTarget(new FileTarget(file)).get(5, TimeUnit.SECONDS);
        assertEquals(LENGTH, driver.awaitCommit(5000).result()); // the READ, not fenced
        stuck.open(1);
        assertEquals(LENGTH, driver.awaitCommit(5000).result()); // the WRITE, once the stuck operation ended
        // in flight drops at the commit, the latency is timed when the turn submits it: wait for both
        IoCounters c = awaitCounters(q, n -> n.inFlight() == 0 && n.held() == 0 && n.latencyCount() == 2,
                "nothing in flight, both requests timed");
        assertTrue("both waited 60 ms: " + c.latencySumNanos(), c.latencySumNanos() >= 2 * 60_000_000L);
        assertTrue("median at least 60 ms: " + c.latencyPercentileNanos(0.5), c.latencyPercentileNanos(0.5) >= 55_000_000L);
        stuck.close();
    }

    /** Switched off, the queue counts nothing (not even the clock); back on, it counts again. */
    @Test
    public void countingSwitchedOffCountsNothing() throws Exception {
        Path file = sim.backingFile("counters", LENGTH * 16);
        SimulatedUblkDriver driver = sim.driver(4, LENGTH * 16 / 512, 0);
        QueueRunner q = driver.start(new FileTarget(file), (runner, cause) -> { });
        q.enableCounters(false);
        driver.request(0, IoOp.READ, 0, LENGTH / 512, 0, null);
        assertEquals(LENGTH, driver.awaitCommit(5000).result());
        assertEquals(IoCounters.ZERO, new IoCounters(q.counters()));
        q.enableCounters(true);
        driver.request(1, IoOp.READ, 0, LENGTH / 512, 0, null);
        assertEquals(LENGTH, driver.awaitCommit(5000).result());
        // the simulated driver records a commit when it is queued; its latency is timed when the turn submits it
        IoCounters c = awaitCounters(q, n -> n.latencyCount() == 1, "the request timed");
        assertEquals(1, c.requests(IoOperation.READ));
        assertEquals(0, c.inFlight());
    }

    private static IoCounters awaitCounters(QueueRunner q, java.util.function.Predicate<IoCounters> ok, String what)
            throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        IoCounters c = new IoCounters(q.counters());
        while (!ok.test(c)) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError(what + ": " + c.inFlight() + " in flight, " + c.held() + " held");
            }
            Thread.sleep(10);
            c = new IoCounters(q.counters());
        }
        return c;
    }

    /**
     * The clock is read once a turn: requests of one turn arrive at its start and are committed at its end;
     * a tag back in the same turn (its commit went out early) is timed at once, nothing is lost or counted twice.
     */
    @Test
    public void latencyByTurns() throws Exception {
        QueueCounters counters = new QueueCounters(4);
        counters.turnStarted();
        counters.arrived(0);
        counters.arrived(1);
        Thread.sleep(20);
        counters.committed(0, IoOperation.READ, 4096);
        counters.turnEnded(); // tag 0: about 20 ms
        counters.turnStarted();
        counters.committed(1, IoOperation.WRITE, 4096); // held over a turn
        counters.arrived(0); // tag 0 is back
        counters.committed(0, IoOperation.READ, 4096);
        assertEquals(1, new IoCounters(counters.read()).latencyCount()); // the turn's commits wait for its end
        counters.arrived(0); // and back again in the same turn: the pending latencies are recorded first
        assertEquals(3, new IoCounters(counters.read()).latencyCount());
        counters.turnEnded();
        IoCounters c = new IoCounters(counters.read());
        assertEquals(3, c.latencyCount());
        assertEquals(4, c.requests(IoOperation.READ) + c.requests(IoOperation.WRITE) + 1); // tag 0 still out
        assertEquals(1, c.inFlight());
        assertTrue("two of about 20 ms: " + c.latencySumNanos(), c.latencySumNanos() >= 40_000_000L);
        assertTrue("p50 about 20 ms: " + c.latencyPercentileNanos(0.5), c.latencyPercentileNanos(0.5) >= 15_000_000L);
    }

    /** The hot path's share: counting a request allocates nothing (measured on this thread, after warm-up). */
    @Test
    public void countingAllocatesNothing() {
        QueueCounters counters = new QueueCounters(64);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        countRequests(counters, 300_000); // warm-up
        threads.getCurrentThreadAllocatedBytes(); // its own first-call set-up is not the counters'
        long before = threads.getCurrentThreadAllocatedBytes();
        countRequests(counters, 1_000_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // One object a count would be 16 MB; a JIT transition (OSR, deoptimization) may cost a few bytes once.
        assertTrue("bytes allocated by a million counts: " + allocated, allocated < 1024);
    }

    /** {@code n} requests of every operation and result, eight a loop turn, as the queue thread counts them. */
    private static void countRequests(QueueCounters counters, int n) {
        IoOperation[] ops = IoOperation.values();
        for (int i = 0; i < n; i++) {
            if ((i & 7) == 0) {
                counters.turnEnded();
                counters.turnStarted();
            }
            counters.arrived(i & 63);
            counters.committed(i & 63, ops[i % ops.length], (i % 7) - 2);
        }
    }
}
