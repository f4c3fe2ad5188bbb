package io.jublk.target.qcow2.image;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;

/**
 * Random write / zero / discard / flush sequences applied through {@link Qcow2Image} and to a raw model
 * file: {@code qemu-img compare} finds them equal, {@code qemu-img check} finds no corruption, and
 * snapshots read as before.
 */
public class WriteModelTest {
    @Rule
    public QemuFolder dir = new QemuFolder();

    /** Applies {@code ops} random operations to the image and the model; returns the model's bytes. */
    static byte[] exercise(Path image, int ops, long seed, int maxLength) throws Exception {
        return exercise(image, ops, seed, maxLength, Qemu.raw(image, image.getParent()));
    }

    /** As above, from {@code model}: the disk as it reads before. */
    static byte[] exercise(Path image, int ops, long seed, int maxLength, byte[] model) throws Exception {
        Random r = new Random(seed);
        // odd seeds run with a two-table L2 cache, so dirty tables are evicted (written back) all the time
        try (Qcow2Image img = Images.open(image, false, seed % 2 == 1 ? 1 : Images.DEFAULT_L2_CACHE)) {
            Workload.apply(img, r, ops, maxLength, model);
        }
        return model;
    }

    private void assertMatches(Path image, byte[] model) throws Exception {
        Path raw = dir.resolve("model-" + System.nanoTime() + ".raw");
        Files.write(raw, model);
        Qemu.Result cmp = Qemu.run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", image.toString(),
                raw.toString());
        assertEquals("qemu-img compare: " + cmp.output(), 0, cmp.exit());
        Qemu.check(image);
        CheckResult ours = Qcow2Checker.check(image);
        assertTrue("our check: " + ours.messages(), ours.clean());
        try (Qcow2Image img = Images.open(image, true)) {
            assertArrayEquals(model, ReadCompatibilityTest.readAll(img, 1 << 20));
        }
        Files.delete(raw);
    }

    @Test
    public void emptyVersion3() throws Exception {
        Path img = dir.resolve("v3.qcow2");
        Qemu.img("create", "-f", "qcow2", img.toString(), "16M");
        assertMatches(img, exercise(img, 400, 11, 200 << 10));
        String check = Qemu.check(img).output();
        assertTrue(check, check.contains("No errors"));
    }

    @Test
    public void version2OverQcow2Backing() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-f", "qcow2", base.toString(), "8M");
        Qemu.io(base, "write -P 0x11 0 8M");
        Path img = dir.resolve("v2.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "compat=0.10", "-b", "base.qcow2", "-F", "qcow2", img.toString(),
                "8M");
        byte[] extensions = java.util.Arrays.copyOfRange(Files.readAllBytes(img), 72, 128);
        assertMatches(img, exercise(img, 300, 12, 150 << 10));
        // version 2 has no feature bits: its header extensions (the backing format here) start at byte 72
        assertArrayEquals("header extensions", extensions,
                java.util.Arrays.copyOfRange(Files.readAllBytes(img), 72, 128));
    }

    @Test
    public void smallClustersGrowTheRefcountTable() throws Exception {
        Path img = dir.resolve("small.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=512", img.toString(), "24M");
        long before = Qemu.ok("qemu-img", "info", img.toString()).length();
        byte[] model = exercise(img, 200, 13, 256 << 10);
        assertMatches(img, model);
        assertTrue(before > 0);
    }

    @Test
    public void extendedL2OverRawBacking() throws Exception {
        Path base = dir.resolve("base.raw");
        byte[] data = new byte[4 << 20];
        new Random(14).nextBytes(data);
        Files.write(base, data);
        Path img = dir.resolve("ext.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=64k", "-b", "base.raw", "-F", "raw",
                img.toString(), "4M");
        Qemu.io(img, "write -P 1 4k 2k", "write -z 128k 6k", "write -P 3 1M 100k");
        assertMatches(img, exercise(img, 300, 15, 100 << 10));
    }

    @Test
    public void compressedClustersAreCopiedOnWrite() throws Exception {
        Path raw = dir.resolve("src.raw");
        byte[] data = new byte[4 << 20];
        for (int i = 0; i < data.length; i++) {
            String text = "compressible text " + (i >> 16);
            data[i] = (byte) text.charAt(i % text.length());
        }
        Files.write(raw, data);
        for (String type : new String[] {"zlib", "zstd"}) {
            Path img = dir.resolve(type + ".qcow2");
            Qemu.img("convert", "-c", "-O", "qcow2", "-o", "cluster_size=4k,compression_type=" + type,
                    raw.toString(), img.toString());
            assertMatches(img, exercise(img, 300, 16, 20 << 10));
        }
    }

    @Test
    public void snapshotsStayIntact() throws Exception {
        Path img = dir.resolve("snap.qcow2");
        Qemu.img("create", "-f", "qcow2", img.toString(), "8M");
        Qemu.io(img, "write -P 1 0 3M", "write -z 5M 1M");
        Qemu.img("snapshot", "-c", "s1", img.toString());
        byte[] atSnapshot = Qemu.raw(img, dir.path());
        assertMatches(img, exercise(img, 300, 17, 200 << 10));
        Path snap = dir.resolve("s1.raw");
        Qemu.img("convert", "-l", "snapshot.name=s1", "-O", "raw", img.toString(), snap.toString());
        assertArrayEquals("the snapshot reads as it was taken", atSnapshot, Files.readAllBytes(snap));
        try (Qcow2Image i = Images.open(img, true)) {
            assertEquals(1, i.snapshots().size());
        }
    }

    @Test
    public void lazyRefcountsSetTheDirtyBitUntilClose() throws Exception {
        Path img = dir.resolve("lazy.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "lazy_refcounts=on", img.toString(), "4M");
        try (Qcow2Image i = Images.open(img, false)) {
            i.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
            i.flush();
            String info = Qemu.ok("qemu-img", "info", "-U", "--output=json", img.toString());
            assertTrue(info, info.contains("\"dirty-flag\": true"));
        }
        String info = Qemu.ok("qemu-img", "info", "--output=json", img.toString());
        assertTrue(info, info.contains("\"dirty-flag\": false"));
        Qemu.check(img);
    }

    /**
     * qemu-io killed with lazy refcounts leaves a dirty image whose refcounts lag behind its L2 tables
     * (qemu-img check: errors). Opening it for writing raises them; then it checks clean and takes writes.
     */
    @Test
    public void dirtyLazyRefcountImagesAreRepairedOnOpenForWrite() throws Exception {
        Path img = dir.resolve("crashed.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "lazy_refcounts=on", img.toString(), "8M");
        Qemu.Result killed = Qemu.run("qemu-io", "-f", "qcow2", "-c", "write -P 7 0 256k", "-c",
                "write -P 8 1M 64k", "-c", "sigraise 9", img.toString());
        assertTrue("qemu-io was killed: " + killed.output(), killed.exit() != 0);
        assertEquals("qemu-img check sees the lagging refcounts", 2,
                Qemu.run("qemu-img", "check", img.toString()).exit());
        byte[] before = Files.readAllBytes(img);
        try (Qcow2Image ro = Images.open(img, true)) {
            ReadCompatibilityTest.readAll(ro, 65536);
        }
        assertArrayEquals("a read-only open repairs nothing", before, Files.readAllBytes(img));
        byte[] model = Qemu.raw(img, dir.path());
        assertMatches(img, exercise(img, 100, 18, 64 << 10, model));
    }
}
