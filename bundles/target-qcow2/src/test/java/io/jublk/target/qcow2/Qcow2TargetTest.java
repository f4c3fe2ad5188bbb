package io.jublk.target.qcow2;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.target.DiskGeometry;
import io.jublk.target.IoOperation;
import io.jublk.target.TargetException;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.target.qcow2.image.Qemu;
import io.jublk.target.qcow2.image.QemuFolder;
import io.jublk.testkit.RingHarness;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Rule;
import org.junit.Test;

/** The qcow2 target's queues driven through real io_uring rings (no ublk): data, geometry, errors. */
public class Qcow2TargetTest {
    private static final int SIZE = 16 << 20;

    @Rule
    public QemuFolder dir = new QemuFolder();

    private static Qcow2Target open(Map<String, String> options) throws TargetException {
        return (Qcow2Target) new Qcow2TargetFactory().open(new TargetOptions(options));
    }

    @Test
    public void geometryFromTheImage() throws Exception {
        Path img = dir.resolve("g.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=128k", img.toString(), "10M");
        try (Qcow2Target t = open(Map.of("file", img.toString()))) {
            DiskGeometry g = t.geometry();
            assertEquals(10 << 20, g.sizeBytes());
            assertEquals(512, g.logicalBlockSize());
            assertTrue(g.supportsDiscard());
            assertEquals(128 << 10, g.discardGranularity());
            assertTrue(g.volatileCache());
            assertFalse(g.readOnly());
            assertEquals(t.describe().toString(), 131072, t.describe().get("clusterSize"));
        }
        try (Qcow2Target t = open(Map.of("file", img.toString(), "read-only", "true"))) {
            assertTrue(t.geometry().readOnly());
            assertFalse(t.geometry().supportsDiscard());
        }
    }

    @Test
    public void badFilesGiveOneLineErrors() throws Exception {
        String[][] cases = {
            {dir.resolve("missing.qcow2").toString(), "no such file"},
            {Files.write(dir.resolve("raw.img"), new byte[4096]).toString(), "not a qcow2 image"},
        };
        for (String[] c : cases) {
            try {
                open(Map.of("file", c[0])).close();
                fail("opened " + c[0]);
            } catch (TargetException e) {
                assertTrue(e.getMessage(), e.getMessage().contains(c[1]));
            }
        }
    }

    @Test
    public void readOnlyRefusesWrites() throws Exception {
        Path img = dir.resolve("ro.qcow2");
        Qemu.img("create", "-f", "qcow2", img.toString(), "4M");
        byte[] before = Files.readAllBytes(img);
        try (Qcow2Target t = open(Map.of("file", img.toString(), "read-only", "true"));
             RingHarness h = new RingHarness()) {
            TargetQueue q = t.openQueue(h);
            assertEquals(-30, h.run(q, h.request(0, IoOperation.WRITE, 0, 4096)));
            assertEquals(-30, h.run(q, h.request(0, IoOperation.DISCARD, 0, 65536)));
            assertEquals(4096, h.run(q, h.request(0, IoOperation.READ, 0, 4096)));
            assertEquals(0, h.run(q, h.request(0, IoOperation.FLUSH, 0, 0)));
        }
        assertArrayEquals(before, Files.readAllBytes(img));
    }

    /**
     * Two queues, each on its own thread and ring, write interleaved 64 KiB stripes of an empty image over a
     * backing file (so every first write allocates and copies), with reads, discards and flushes mixed in.
     * The result equals the model and qemu-img check finds no corruption: no cluster was handed out twice.
     */
    @Test
    public void twoQueuesAllocateWithoutCollisions() throws Exception {
        Path base = dir.resolve("base.raw");
        byte[] model = new byte[SIZE];
        new Random(1).nextBytes(model);
        Files.write(base, model);
        Path img = dir.resolve("mq.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=16k", "-b", "base.raw", "-F", "raw",
                img.toString(), String.valueOf(SIZE));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Qcow2Target t = open(Map.of("file", img.toString()))) {
            Thread[] threads = new Thread[2];
            for (int q = 0; q < 2; q++) {
                int queue = q;
                threads[q] = new Thread(() -> {
                    try (RingHarness h = new RingHarness()) {
                        runQueue(t.openQueue(h), h, queue, model);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "queue-" + q);
                threads[q].start();
            }
            for (Thread th : threads) {
                th.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
        }
        Path raw = dir.resolve("model.raw");
        Files.write(raw, model);
        Qemu.Result cmp = Qemu.run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", img.toString(),
                raw.toString());
        assertEquals(cmp.output(), 0, cmp.exit());
        Qemu.check(img);
    }

    private static void runQueue(TargetQueue q, RingHarness h, int queue, byte[] model) throws Exception {
        Random r = new Random(100 + queue);
        int stripe = 64 << 10;
        for (int i = 0; i < 300; i++) {
            int s = 2 * r.nextInt(SIZE / stripe / 2) + queue;
            int len = 512 * (1 + r.nextInt(64));
            int at = s * stripe + 512 * r.nextInt((stripe - len) / 512 + 1);
            int tag = r.nextInt(RingHarness.DEPTH);
            int kind = r.nextInt(10);
            if (kind < 5) {
                byte[] data = new byte[len];
                r.nextBytes(data);
                RingHarness.Request w = h.request(tag, IoOperation.WRITE, at, len);
                w.fua = kind == 0;
                MemorySegment.copy(data, 0, w.buffer(), ValueLayout.JAVA_BYTE, 0, len);
                assertEquals(len, h.run(q, w));
                System.arraycopy(data, 0, model, at, len);
            } else if (kind < 8) {
                RingHarness.Request rd = h.request(tag, IoOperation.READ, at, len);
                assertEquals(len, h.run(q, rd));
                byte[] got = rd.buffer().asSlice(0, len).toArray(ValueLayout.JAVA_BYTE);
                assertArrayEquals("queue " + queue + " read at " + at, Arrays.copyOfRange(model, at, at + len), got);
            } else if (kind < 9) {
                IoOperation op = r.nextBoolean() ? IoOperation.DISCARD : IoOperation.WRITE_ZEROES;
                assertEquals(len, h.run(q, h.request(tag, op, at, len)));
                Arrays.fill(model, at, at + len, (byte) 0);
            } else {
                assertEquals(0, h.run(q, h.request(tag, IoOperation.FLUSH, 0, 0)));
            }
        }
    }

    /**
     * A queue closed with a direct write still in flight (its completion never came) ends it, so frees do
     * not wait for it forever.
     */
    @Test
    public void closingAQueueEndsItsDirectIo() throws Exception {
        Path img = dir.resolve("detach.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "preallocation=metadata", img.toString(), "8M");
        try (Qcow2Target t = open(Map.of("file", img.toString()))) {
            try (RingHarness h = new RingHarness()) {
                Qcow2Queue q = (Qcow2Queue) t.openQueue(h);
                q.submit(h.request(0, IoOperation.WRITE, 0, 4096)); // on the ring, never reaped
                assertEquals(1, q.direct);
                assertEquals(1 << 20, h.run(q, h.request(1, IoOperation.DISCARD, 1 << 20, 1 << 20)));
                q.close();
            }
            t.image().flush();
            t.image().flush();
            assertEquals("frees waiting", 0, t.image().waitingFrees());
        }
        Qemu.check(img);
    }

    @Test
    public void preallocatedImagesGoStraightToTheRing() throws Exception {
        Path img = dir.resolve("pre.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "preallocation=metadata", img.toString(), "8M");
        byte[] model = new byte[8 << 20];
        try (Qcow2Target t = open(new HashMap<>(Map.of("file", img.toString())));
             RingHarness h = new RingHarness()) {
            Qcow2Queue q = (Qcow2Queue) t.openQueue(h);
            Random r = new Random(3);
            for (int i = 0; i < 200; i++) {
                int len = 4096 * (1 + r.nextInt(32));
                int at = 4096 * r.nextInt((model.length - len) / 4096);
                RingHarness.Request w = h.request(i % RingHarness.DEPTH, IoOperation.WRITE, at, len);
                byte[] data = new byte[len];
                r.nextBytes(data);
                MemorySegment.copy(data, 0, w.buffer(), ValueLayout.JAVA_BYTE, 0, len);
                assertEquals(len, h.run(q, w));
                System.arraycopy(data, 0, model, at, len);
                RingHarness.Request rd = h.request(i % RingHarness.DEPTH, IoOperation.READ, at, len);
                assertEquals(len, h.run(q, rd));
                assertArrayEquals(data, rd.buffer().asSlice(0, len).toArray(ValueLayout.JAVA_BYTE));
            }
            assertEquals("every request went straight to the ring", 400, q.direct);
        }
        Path raw = dir.resolve("model.raw");
        Files.write(raw, model);
        assertEquals(0, Qemu.run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", img.toString(),
                raw.toString()).exit());
        String check = Qemu.check(img).output();
        assertTrue(check, check.contains("No errors"));
    }
}
