package io.jublk.target.rbd;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.target.IoOperation;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.testkit.RingHarness;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import org.junit.Test;

/** The rbd queue's submit path allocates nothing on the queue thread once warm (librbd allocates natively). */
public class RbdQueueAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    public void submittingDoesNotAllocate() throws Exception {
        CephCluster ceph = CephCluster.get();
        ceph.createImage("alloc", 8);
        try (RingHarness harness = new RingHarness();
             RbdTarget t = (RbdTarget) new RbdTargetFactory().open(new TargetOptions(ceph.options("alloc")))) {
            TargetQueue q = t.openQueue(harness);
            int errors = run(harness, q, 400); // warm up
            long before = THREADS.getCurrentThreadAllocatedBytes();
            errors += run(harness, q, 400);
            long bytes = THREADS.getCurrentThreadAllocatedBytes() - before;
            System.out.println("rbd queue: " + bytes + " bytes allocated on the queue thread over "
                    + 400 * RingHarness.DEPTH + " requests");
            assertEquals(0, errors);
            assertTrue("allocated " + bytes + " bytes", bytes < 1024);
            q.close();
        }
    }

    private static int run(RingHarness harness, TargetQueue q, int rounds) {
        int errors = 0;
        for (int i = 0; i < rounds; i++) {
            for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
                RingHarness.Request r = harness.requests[tag];
                int kind = (i + tag) % 4;
                r.op = kind == 3 ? IoOperation.FLUSH : kind == 0 ? IoOperation.WRITE : IoOperation.READ;
                r.offset = (long) ((i * RingHarness.DEPTH + tag) % 2048) * 4096;
                r.length = r.op == IoOperation.FLUSH ? 0 : 4096;
                r.completed = false;
                q.submit(r);
            }
            for (RingHarness.Request r : harness.requests) {
                while (!r.completed) {
                    VarHandle.acquireFence(); // completed by librbd's thread
                    Thread.onSpinWait();
                }
                if (r.result != r.length) {
                    errors++;
                }
            }
        }
        return errors;
    }
}
