package io.jublk.target.rbd;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jublk.target.DiskGeometry;
import io.jublk.target.IoOperation;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.testkit.RingHarness;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

/** The rbd target's data path against the test cluster, driven through the test kit's ring harness (no ublk). */
public class RbdTargetTest {
    private static final AtomicInteger IMAGES = new AtomicInteger();
    private static final int MIB = 1 << 20;
    private static CephCluster ceph;

    private RingHarness harness;
    private String image;

    @BeforeClass
    public static void cluster() throws Exception {
        ceph = CephCluster.get();
    }

    @Before
    public void setUp() throws Exception {
        harness = new RingHarness();
        image = "data" + IMAGES.incrementAndGet();
        ceph.createImage(image, 16);
    }

    @After
    public void tearDown() {
        harness.close();
    }

    private RbdTarget open(Map<String, String> extra) throws Exception {
        Map<String, String> o = new HashMap<>(ceph.options(image));
        o.putAll(extra);
        return (RbdTarget) new RbdTargetFactory().open(new TargetOptions(o));
    }

    @Test
    public void geometryAndDescription() throws Exception {
        try (RbdTarget t = open(Map.of())) {
            DiskGeometry g = t.geometry();
            assertEquals(16L * MIB, g.sizeBytes());
            assertEquals(512, g.logicalBlockSize());
            assertFalse(g.readOnly());
            assertFalse("librbd's cache is off: nothing volatile", g.volatileCache());
            assertTrue(g.supportsDiscard());
            assertEquals(4 * MIB, g.discardGranularity());
            String fsid = ceph.fsid();
            java.util.Map<String, Object> d = t.describe();
            assertEquals(d.toString(), "rbd", d.get("pool"));
            assertEquals(image, d.get("image"));
            assertEquals(fsid, d.get("fsid"));
            assertTrue(d.toString(), ((java.util.List<?>) d.get("features")).contains("exclusive-lock"));
            assertEquals(true, d.get("exclusiveLock"));
            assertEquals("off", d.get("cache"));
        }
    }

    @Test
    public void writesReadBackThroughTheRbdCliAndTheCliWritesReadBackThroughTheTarget() throws Exception {
        byte[] data = random(200 << 10, 1);
        long at = 3 * MIB - 4096; // across an object boundary
        try (RbdTarget t = open(Map.of())) {
            TargetQueue q = t.openQueue(harness);
            var w = harness.request(0, IoOperation.WRITE, at, data.length);
            put(w.buffer, data);
            w.fua = true;
            assertEquals(data.length, run(q, w));
            q.close();
        }
        byte[] exported = ceph.export(image);
        assertEquals(16 * MIB, exported.length);
        assertArrayEquals("rbd export holds what the target wrote", data,
                Arrays.copyOfRange(exported, (int) at, (int) at + data.length));

        byte[] whole = random(16 * MIB, 2);
        Path file = ceph.dir.resolve("import-" + image + ".bin");
        Files.write(file, whole);
        ceph.rbd("import", "--no-progress", "--image-feature", "layering,exclusive-lock", file.toString(),
                "rbd/" + image + "-imported");
        Files.delete(file);
        image = image + "-imported";
        try (RbdTarget t = open(Map.of())) {
            TargetQueue q = t.openQueue(harness);
            for (long off = 0; off < whole.length; off += RingHarness.MAX_IO) {
                var r = harness.request(1, IoOperation.READ, off, RingHarness.MAX_IO);
                assertEquals(RingHarness.MAX_IO, run(q, r));
                assertArrayEquals("at " + off, Arrays.copyOfRange(whole, (int) off, (int) off + RingHarness.MAX_IO),
                        get(r.buffer, RingHarness.MAX_IO));
            }
            q.close();
        }
    }

    @Test
    public void manyRequestsInFlight() throws Exception {
        try (RbdTarget t = open(Map.of())) {
            TargetQueue q = t.openQueue(harness);
            byte[][] data = new byte[RingHarness.DEPTH][];
            RingHarness.Request[] rs = new RingHarness.Request[RingHarness.DEPTH];
            for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
                data[tag] = random(64 << 10, 10 + tag);
                rs[tag] = harness.request(tag, IoOperation.WRITE, (long) tag * MIB + 512, 64 << 10);
                put(rs[tag].buffer, data[tag]);
                rs[tag].completed = false;
                q.submit(rs[tag]);
            }
            await(rs);
            for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
                assertEquals(64 << 10, rs[tag].result);
                rs[tag] = harness.request(tag, IoOperation.READ, (long) tag * MIB + 512, 64 << 10);
                rs[tag].buffer.fill((byte) 0);
                rs[tag].completed = false;
                q.submit(rs[tag]);
            }
            await(rs);
            for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
                assertEquals(64 << 10, rs[tag].result);
                assertArrayEquals(data[tag], get(rs[tag].buffer, 64 << 10));
            }
            assertEquals(0, ((RbdQueue) q).inFlight());
            q.close();
        }
    }

    @Test
    public void twoQueuesOfOneDiskGetTheirOwnCompletions() throws Exception {
        try (RbdTarget t = open(Map.of()); RingHarness other = new RingHarness()) {
            TargetQueue q0 = t.openQueue(harness);
            TargetQueue q1 = t.openQueue(other);
            RingHarness.Request[] a = new RingHarness.Request[RingHarness.DEPTH];
            RingHarness.Request[] b = new RingHarness.Request[RingHarness.DEPTH];
            for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
                // the same tags on both queues, at different offsets and lengths
                a[tag] = harness.request(tag, IoOperation.WRITE, (long) tag * 8192, 4096);
                b[tag] = other.request(tag, IoOperation.WRITE, 8 * MIB + (long) tag * 8192, 8192);
                put(a[tag].buffer, random(4096, 100 + tag));
                put(b[tag].buffer, random(8192, 200 + tag));
                a[tag].completed = false;
                b[tag].completed = false;
                q0.submit(a[tag]);
                q1.submit(b[tag]);
            }
            await(a);
            await(b);
            for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
                assertEquals(4096, a[tag].result);
                assertEquals(8192, b[tag].result);
            }
            q0.close();
            q1.close();
        }
        byte[] image = ceph.export(this.image);
        for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
            int at = tag * 8192;
            assertArrayEquals(random(4096, 100 + tag), Arrays.copyOfRange(image, at, at + 4096));
            assertArrayEquals(random(8192, 200 + tag), Arrays.copyOfRange(image, 8 * MIB + at, 8 * MIB + at + 8192));
        }
    }

    @Test
    public void flushDiscardAndWriteZeroes() throws Exception {
        byte[] ones = new byte[8 * MIB];
        Arrays.fill(ones, (byte) 1);
        try (RbdTarget t = open(Map.of())) {
            TargetQueue q = t.openQueue(harness);
            for (int off = 0; off < ones.length; off += RingHarness.MAX_IO) {
                var w = harness.request(0, IoOperation.WRITE, off, RingHarness.MAX_IO);
                put(w.buffer, Arrays.copyOf(ones, RingHarness.MAX_IO));
                assertEquals(RingHarness.MAX_IO, run(q, w));
            }
            assertEquals(0, run(q, harness.request(1, IoOperation.FLUSH, 0, 0)));
            var z = harness.request(2, IoOperation.WRITE_ZEROES, 4096, 64 << 10);
            z.noUnmap = true;
            assertEquals(64 << 10, run(q, z));
            assertEquals(MIB, run(q, harness.request(3, IoOperation.WRITE_ZEROES, 2 * MIB, MIB)));
            // a whole object discarded reads back as zeroes (partial discards may be skipped by librbd)
            assertEquals(4 * MIB, run(q, harness.request(4, IoOperation.DISCARD, 4 * MIB, 4 * MIB)));
            q.close();
        }
        byte[] expected = ones.clone();
        Arrays.fill(expected, 4096, 4096 + (64 << 10), (byte) 0);
        Arrays.fill(expected, 2 * MIB, 3 * MIB, (byte) 0);
        Arrays.fill(expected, 4 * MIB, 8 * MIB, (byte) 0);
        assertArrayEquals(expected, Arrays.copyOf(ceph.export(image), 8 * MIB));
    }

    @Test
    public void readOnlyDiskRefusesWritesAndTakesNoLock() throws Exception {
        try (RbdTarget writer = open(Map.of()); RbdTarget reader = open(Map.of("read-only", "true"))) {
            assertTrue(reader.geometry().readOnly());
            assertFalse(reader.geometry().supportsDiscard());
            assertEquals(false, reader.describe().get("exclusiveLock"));
            TargetQueue q = reader.openQueue(harness);
            assertEquals(-30, run(q, harness.request(0, IoOperation.WRITE, 0, 4096)));
            assertEquals(-30, run(q, harness.request(1, IoOperation.DISCARD, 0, 4096)));
            assertEquals(0, run(q, harness.request(2, IoOperation.FLUSH, 0, 0)));
            assertEquals(4096, run(q, harness.request(3, IoOperation.READ, 0, 4096)));
            q.close();
        }
    }

    /**
     * Submits {@code r} and waits for it. librbd completes requests on its own threads, not through the ring, so
     * the harness's ring wait does not apply.
     */
    static int run(TargetQueue q, RingHarness.Request r) throws InterruptedException {
        r.completed = false;
        r.result = Integer.MIN_VALUE;
        q.submit(r);
        await(r);
        return r.result;
    }

    static void await(RingHarness.Request... rs) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (RingHarness.Request r : rs) {
            while (!r.completed) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("tag " + r.tag + " not completed within 30 s");
                }
                Thread.sleep(1);
            }
        }
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void put(MemorySegment buffer, byte[] data) {
        MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, data.length);
    }

    static byte[] get(MemorySegment buffer, int n) {
        byte[] b = new byte[n];
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, b, 0, n);
        return b;
    }
}
