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

/** Images made by qemu-img and qemu-io read back byte-identical to {@code qemu-img convert -O raw}. */
public class ReadCompatibilityTest {
    @Rule
    public QemuFolder dir = new QemuFolder();

    static byte[] readAll(Qcow2Image image, int chunk) throws Exception {
        byte[] all = new byte[(int) image.virtualSize()];
        for (int at = 0; at < all.length; at += chunk) {
            image.read(at, ByteBuffer.wrap(all, at, Math.min(chunk, all.length - at)));
        }
        return all;
    }

    private void assertReadsLikeQemu(Path image) throws Exception {
        byte[] expected = Qemu.raw(image, dir.path());
        try (Qcow2Image img = Images.open(image, true)) {
            assertEquals(expected.length, img.virtualSize());
            assertArrayEquals("whole-disk read of " + image, expected, readAll(img, expected.length));
            assertArrayEquals("4k reads of " + image, expected, readAll(img, 4096));
            assertArrayEquals("odd-sized reads of " + image, expected, readAll(img, 3 * 1000 + 512));
        }
    }

    /** Pattern writes at assorted offsets and lengths, some crossing clusters. */
    private static void scribble(Path image, long size, int seed) throws Exception {
        Random r = new Random(seed);
        String[] c = new String[12];
        for (int i = 0; i < c.length; i++) {
            long len = 512L * (1 + r.nextInt(300));
            long at = 512L * r.nextInt((int) ((size - len) / 512));
            c[i] = "write -P " + (1 + r.nextInt(250)) + " " + at + " " + len;
        }
        Qemu.io(image, c);
    }

    @Test
    public void version3() throws Exception {
        Path img = dir.resolve("v3.qcow2");
        Qemu.img("create", "-f", "qcow2", img.toString(), "8M");
        scribble(img, 8 << 20, 1);
        assertReadsLikeQemu(img);
    }

    @Test
    public void version2() throws Exception {
        Path img = dir.resolve("v2.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "compat=0.10", img.toString(), "8M");
        scribble(img, 8 << 20, 2);
        assertReadsLikeQemu(img);
    }

    @Test
    public void smallClustersAndNarrowRefcounts() throws Exception {
        Path img = dir.resolve("small.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=512,refcount_bits=1", img.toString(), "3M");
        scribble(img, 3 << 20, 3);
        assertReadsLikeQemu(img);
    }

    @Test
    public void backingChainWithRelativeNames() throws Exception {
        Files.createDirectories(dir.resolve("a/b"));
        Path base = dir.resolve("a/base.raw");
        byte[] data = new byte[6 << 20];
        new Random(4).nextBytes(data);
        Files.write(base, data);
        Path mid = dir.resolve("a/mid.qcow2");
        Qemu.img("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", mid.toString(), "8M");
        scribble(mid, 8 << 20, 5);
        Path top = dir.resolve("a/b/top.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "compat=0.10", "-b", "../mid.qcow2", "-F", "qcow2",
                top.toString(), "10M");
        scribble(top, 10 << 20, 6);
        Qemu.io(top, "write -z 1M 256k", "write -z 7M 12k");
        assertReadsLikeQemu(top);
    }

    @Test
    public void compressedClusters() throws Exception {
        Path raw = dir.resolve("src.raw");
        byte[] data = new byte[4 << 20];
        Random r = new Random(7);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ((i / 4096) % 3 == 0 ? r.nextInt() : "compressible text "
                    .charAt(i % 18));
        }
        Files.write(raw, data);
        for (String type : new String[] {"zlib", "zstd"}) {
            for (String cluster : new String[] {"65536", "4096", "512"}) {
                Path img = dir.resolve(type + cluster + ".qcow2");
                Qemu.img("convert", "-c", "-O", "qcow2", "-o", "cluster_size=" + cluster + ",compression_type="
                        + type, raw.toString(), img.toString());
                assertReadsLikeQemu(img);
            }
        }
    }

    @Test
    public void zeroClustersOfBothKinds() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-f", "qcow2", base.toString(), "4M");
        Qemu.io(base, "write -P 0x55 0 4M");
        Path img = dir.resolve("zero.qcow2");
        Qemu.img("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", img.toString(), "4M");
        // zero flag without a host cluster (over the backing file) ...
        Qemu.io(img, "write -z 0 256k", "write -P 0x66 1M 512k");
        // ... and with one: an allocated cluster zeroed in place keeps its host offset
        Qemu.io(img, "write -z 1M 128k", "write -z 2M 64k");
        assertReadsLikeQemu(img);
        String map = Qemu.ok("qemu-img", "map", "--output=json", img.toString());
        assertTrue(map, map.contains("\"zero\": true"));
    }

    @Test
    public void extendedL2Subclusters() throws Exception {
        Path base = dir.resolve("base.raw");
        byte[] data = new byte[4 << 20];
        new Random(8).nextBytes(data);
        Files.write(base, data);
        Path img = dir.resolve("ext.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=64k", "-b", "base.raw", "-F", "raw",
                img.toString(), "4M");
        Qemu.io(img, "write -P 1 4k 2k", "write -P 2 64k 8k", "write -z 128k 6k", "write -z 192k 64k",
                "write -P 3 1M 100k", "write -P 4 3000k 3k");
        assertReadsLikeQemu(img);
    }

    @Test
    public void internalSnapshotsAreListed() throws Exception {
        Path img = dir.resolve("snap.qcow2");
        Qemu.img("create", "-f", "qcow2", img.toString(), "4M");
        Qemu.io(img, "write -P 1 0 1M");
        Qemu.img("snapshot", "-c", "first", img.toString());
        Qemu.io(img, "write -P 2 512k 1M");
        Qemu.img("snapshot", "-c", "second", img.toString());
        Qemu.io(img, "write -P 3 0 64k");
        assertReadsLikeQemu(img);
        try (Qcow2Image i = Images.open(img, true)) {
            assertEquals(2, i.snapshots().size());
            assertEquals("first", i.snapshots().get(0).name());
            assertEquals("second", i.snapshots().get(1).name());
        }
    }
}
