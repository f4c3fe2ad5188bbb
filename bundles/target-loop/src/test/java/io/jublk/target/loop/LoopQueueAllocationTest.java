package io.jublk.target.loop;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.target.IoOperation;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.testkit.RingHarness;
import io.jublk.uring.CompletionHandler;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The loop queue's per-request path (submit, SQEs, completions, complete) allocates nothing once warm. */
public class LoopQueueAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void readsWritesAndFlushesDoNotAllocate() throws Exception {
        Path file = tmp.newFile("alloc.img").toPath();
        LoopTargetTest.resize(file, 8L << 20);
        try (RingHarness harness = new RingHarness();
             LoopTarget t = (LoopTarget) new LoopTargetFactory().open(new TargetOptions(Map.of("file", file.toString())))) {
            Driver driver = new Driver(harness, t.openQueue(harness));
            driver.run(10_000); // warm up: let C2 compile the path
            long before = THREADS.getCurrentThreadAllocatedBytes();
            driver.run(10_000);
            long bytes = THREADS.getCurrentThreadAllocatedBytes() - before;
            System.out.println("loop queue: " + bytes + " bytes allocated over " + 10_000 * RingHarness.DEPTH
                    + " requests");
            assertEquals(0, driver.errors);
            assertTrue("allocated " + bytes + " bytes", bytes < 1024);
        }
    }

    /** Feeds every tag a request per round and serves the ring until all are back; allocation-free itself. */
    private static final class Driver implements CompletionHandler {
        private final RingHarness harness;
        private final TargetQueue queue;
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
            for (int i = 0; i < rounds; i++) {
                for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
                    RingHarness.Request r = harness.requests[tag];
                    int kind = (i + tag) % 4;
                    r.op = kind == 3 ? IoOperation.FLUSH : kind == 0 ? IoOperation.WRITE : IoOperation.READ;
                    r.fua = kind == 0 && (i & 8) != 0;
                    r.offset = (long) ((i * RingHarness.DEPTH + tag) % 2048) * 4096;
                    r.length = r.op == IoOperation.FLUSH ? 0 : 4096;
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
