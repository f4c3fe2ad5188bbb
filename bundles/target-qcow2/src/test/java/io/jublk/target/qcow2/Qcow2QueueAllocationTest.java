package io.jublk.target.qcow2;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.target.IoOperation;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.target.qcow2.image.Qemu;
import io.jublk.target.qcow2.image.QemuFolder;
import io.jublk.testkit.RingHarness;
import io.jublk.uring.CompletionHandler;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;

/**
 * The qcow2 queue's direct path (mapping through the L2 cache, SQEs, completions, complete) and FLUSH
 * allocate nothing once warm. (Mapping used to box a Long key per request in the L2 cache: 24 bytes.)
 */
public class Qcow2QueueAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int ROUNDS = 4000;

    @Rule
    public QemuFolder tmp = new QemuFolder();

    @Test
    public void directReadsWritesAndFlushesDoNotAllocate() throws Exception {
        Path img = tmp.resolve("alloc.qcow2");
        // 4 KiB clusters: a 64 MiB disk spans 32 L2 tables, so mapping walks the cache, not one table
        Qemu.img("create", "-f", "qcow2", "-o", "preallocation=metadata,cluster_size=4k", img.toString(), "64M");
        try (RingHarness harness = new RingHarness();
             Qcow2Target t = (Qcow2Target) new Qcow2TargetFactory().open(new TargetOptions(Map.of("file",
                     img.toString())))) {
            Qcow2Queue queue = (Qcow2Queue) t.openQueue(harness);
            Driver driver = new Driver(harness, queue);
            driver.run(ROUNDS); // warm up: let C2 compile the path
            long before = THREADS.getCurrentThreadAllocatedBytes();
            driver.run(ROUNDS);
            long bytes = THREADS.getCurrentThreadAllocatedBytes() - before;
            System.out.println("qcow2 queue: " + bytes + " bytes allocated over " + ROUNDS * RingHarness.DEPTH
                    + " requests");
            assertEquals(0, driver.errors);
            assertEquals("every READ and WRITE went to the ring", 2L * ROUNDS * RingHarness.DEPTH - 2 * ROUNDS / 16,
                    queue.direct);
            assertTrue("allocated " + bytes + " bytes", bytes < 1024);
        }
    }

    /** Feeds every tag a request per round and serves the ring until all are back; allocation-free itself. */
    private static final class Driver implements CompletionHandler {
        private final RingHarness harness;
        private final TargetQueue queue;
        private int round;
        int errors;

        Driver(RingHarness harness, TargetQueue queue) {
            this.harness = harness;
            this.queue = queue;
        }

        @Override
        public void onCompletion(long userData, int res, int flags) {
            queue.onCompletion(userData & io.jublk.target.QueueContext.MAX_COOKIE, res, flags);
        }

        void run(int rounds) throws Exception {
            for (int i = 0; i < rounds; i++, round++) {
                for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
                    RingHarness.Request r = harness.requests[tag];
                    boolean flush = tag == 0 && (round & 15) == 0;
                    r.op = flush ? IoOperation.FLUSH : (round + tag) % 2 == 0 ? IoOperation.WRITE : IoOperation.READ;
                    r.fua = false;
                    r.offset = (long) ((round * 7919L + tag * 104729L) % 16384) * 4096;
                    r.length = flush ? 0 : 4096;
                    r.completed = false;
                    queue.submit(r);
                }
                while (!allDone()) {
                    harness.ring.submitAndWait(1);
                    harness.ring.drain(this);
                }
                for (RingHarness.Request r : harness.requests) {
                    if (r.result != r.length) {
                        errors++;
                    }
                }
            }
        }

        private boolean allDone() {
            for (RingHarness.Request r : harness.requests) {
                if (!r.completed) {
                    return false;
                }
            }
            return true;
        }
    }
}
