package io.jublk.uring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.uring.sys.Linux;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.Test;

/**
 * The steady-state path (sqe, submitAndWait, drain, handler, wake) must not allocate. Measured two ways
 * over warmed-up loops on the ring's owner thread: the thread's allocated-bytes counter, and JFR
 * allocation events (ObjectAllocationSample, ObjectAllocationInNewTLAB, ObjectAllocationOutsideTLAB).
 */
public class AllocationFreeTest {
    private static final String[] ALLOCATION_EVENTS = {"jdk.ObjectAllocationSample",
        "jdk.ObjectAllocationInNewTLAB", "jdk.ObjectAllocationOutsideTLAB"};
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    public void nopBatchesDoNotAllocate() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(64).build())) {
            NopLoop loop = new NopLoop(ring);
            loop.run(30_000); // warm up: let C2 compile the path
            Measured m = measure(() -> loop.run(60_000));
            long ops = 60_000L * 32;
            report("NOP batches of 32", m, ops);
            assertEquals(0, m.events.size());
            assertTrue("allocated " + m.bytes + " bytes over " + ops + " ops", m.bytes < 1024);
        }
    }

    @Test
    public void directReadsAtDepth32DoNotAllocate() throws Exception {
        Path file = TestFiles.newFile("alloc");
        int fd = TestFiles.openDirect(file);
        try (Ring ring = Ring.open(RingConfig.builder(64).build())) {
            ring.sqe().fallocate(fd, 0, 0, 64L << 20).userData(0);
            ring.submitAndWait(1);
            ring.drain((u, r, f) -> assertEquals(0, r));
            ReadLoop loop = new ReadLoop(ring, fd, 32, (64L << 20) / 4096);
            loop.run(100_000);
            Measured m = measure(() -> loop.run(200_000));
            report("O_DIRECT 4 KiB reads at QD 32", m, 200_000);
            assertEquals(0, loop.errors);
            assertEquals(0, m.events.size());
            assertTrue("allocated " + m.bytes + " bytes", m.bytes < 1024);
        } finally {
            Linux.close(fd);
            Files.deleteIfExists(file);
        }
    }

    @Test
    public void wakingAndBeingWokenDoNotAllocate() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(8).wakeable(true).build())) {
            Waker waker = ring.waker();
            WakeLoop loop = new WakeLoop(ring, waker);
            loop.run(100_000); // longer warm-up: this loop crosses more JIT tiers (downcall, VarHandles, Sqe)
            Measured m = measure(() -> loop.run(100_000));
            report("wake + wait + drain", m, 100_000);
            assertEquals(0, m.events.size());
            assertTrue("allocated " + m.bytes + " bytes", m.bytes < 1024);
        }
    }

    @Test
    public void theMeasurementDoesSeeAllocations() throws Exception {
        Object[] sink = new Object[1];
        Measured m = measure(() -> {
            for (int i = 0; i < 200_000; i++) {
                sink[0] = new long[64];
            }
        });
        assertTrue("bytes " + m.bytes, m.bytes > 200_000L * 64 * 8);
        assertTrue("JFR saw no allocation", m.events.size() > 0);
    }

    /** Runs {@code body} on this thread under a JFR recording; returns bytes allocated and events seen. */
    private static Measured measure(Body body) throws Exception {
        long tid = Thread.currentThread().threadId();
        Path jfr = Files.createTempFile("alloc", ".jfr");
        try (Recording recording = new Recording()) {
            for (String event : ALLOCATION_EVENTS) {
                recording.enable(event).withStackTrace();
            }
            recording.enable("jdk.ObjectAllocationSample").with("throttle", "10000/s");
            recording.start();
            Instant from = Instant.now();
            long before = THREADS.getCurrentThreadAllocatedBytes();
            body.run();
            long after = THREADS.getCurrentThreadAllocatedBytes();
            Instant to = Instant.now();
            recording.stop();
            recording.dump(jfr);
            // the allocated-bytes call itself allocates nothing in steady state; subtract an empty measure
            long baseline = THREADS.getCurrentThreadAllocatedBytes();
            baseline = THREADS.getCurrentThreadAllocatedBytes() - baseline;
            List<String> events = new ArrayList<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
                // only the loop's window on the loop's thread: recording.start() itself allocates here
                if (e.getThread() != null && e.getThread().getJavaThreadId() == tid
                        && !e.getStartTime().isBefore(from) && !e.getStartTime().isAfter(to)) {
                    events.add(e.getEventType().getName() + " " + e.getValue("objectClass") + " "
                            + (e.getStackTrace() != null ? e.getStackTrace().getFrames().subList(0,
                                    Math.min(6, e.getStackTrace().getFrames().size())) : ""));
                }
            }
            return new Measured(after - before - baseline, events);
        } finally {
            Files.deleteIfExists(jfr);
        }
    }

    private static void report(String what, Measured m, long ops) {
        System.out.printf("allocation, %s: %d bytes over %d ops (%.4f bytes/op), %d JFR allocation events on the"
                + " loop thread%n", what, m.bytes, ops, (double) m.bytes / ops, m.events.size());
        for (String e : m.events.subList(0, Math.min(20, m.events.size()))) {
            System.out.println("  " + e);
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private record Measured(long bytes, List<String> events) {
    }

    /** Batches of 32 NOPs: fill, submit-and-wait, drain. */
    private static final class NopLoop implements CompletionHandler {
        private final Ring ring;
        private long completed;

        NopLoop(Ring ring) {
            this.ring = ring;
        }

        void run(int batches) throws Exception {
            for (int b = 0; b < batches; b++) {
                for (int i = 0; i < 32; i++) {
                    ring.sqe().nop().userData(i);
                }
                ring.submitAndWait(32);
                ring.drain(this);
            }
        }

        @Override
        public void onCompletion(long userData, int res, int flags) {
            completed++;
        }
    }

    /** Keeps {@code depth} random 4 KiB reads in flight; each completion queues the next read. */
    private static final class ReadLoop implements CompletionHandler {
        private final Ring ring;
        private final int fd;
        private final int depth;
        private final long blocks;
        private final MemorySegment[] buffers;
        private long seed = 0x9E3779B97F4A7C15L;
        private long remaining;
        private long errors;

        ReadLoop(Ring ring, int fd, int depth, long blocks) {
            this.ring = ring;
            this.fd = fd;
            this.depth = depth;
            this.blocks = blocks;
            this.buffers = new MemorySegment[depth];
            for (int i = 0; i < depth; i++) {
                buffers[i] = ring.allocateBuffer(4096);
            }
        }

        void run(long reads) throws Exception {
            remaining = reads;
            int started = (int) Math.min(depth, reads);
            for (int tag = 0; tag < started; tag++) {
                queue(tag);
            }
            while (ring.inFlight() > 0 || ring.pending() > 0) {
                ring.submitAndWait(1);
                ring.drain(this);
            }
        }

        private void queue(int tag) {
            remaining--;
            ring.sqe().read(fd, buffers[tag], 0, 4096, nextBlock() * 4096).userData(tag);
        }

        private long nextBlock() {
            seed ^= seed << 13;
            seed ^= seed >>> 7;
            seed ^= seed << 17;
            return Long.remainderUnsigned(seed, blocks);
        }

        @Override
        public void onCompletion(long userData, int res, int flags) {
            if (res != 4096) {
                errors++;
            }
            if (remaining > 0) {
                queue((int) userData);
            }
        }
    }

    /** The owner wakes itself through the Waker (the other-thread path is the same write). */
    private static final class WakeLoop implements CompletionHandler {
        private final Ring ring;
        private final Waker waker;
        private long wakeups;

        WakeLoop(Ring ring, Waker waker) {
            this.ring = ring;
            this.waker = waker;
        }

        void run(int rounds) throws Exception {
            long target = wakeups + rounds;
            while (wakeups < target) {
                waker.wake();
                ring.submitAndWait(1);
                ring.drain(this);
            }
        }

        @Override
        public void onCompletion(long userData, int res, int flags) {
            throw new AssertionError();
        }

        @Override
        public void onWakeup() {
            wakeups++;
        }
    }
}
