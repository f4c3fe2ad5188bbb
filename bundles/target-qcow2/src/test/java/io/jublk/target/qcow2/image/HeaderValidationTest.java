package io.jublk.target.qcow2.image;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.target.qcow2.format.Qcow2Exception;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/** Corrupt and fuzzed headers and tables are refused with a {@link Qcow2Exception}, never anything else. */
public class HeaderValidationTest {
    @Rule
    public QemuFolder dir = new QemuFolder();
    private byte[] good;

    @Before
    public void setUp() throws Exception {
        Path img = dir.resolve("good.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=4k", img.toString(), "4M");
        Qemu.io(img, "write -P 9 0 64k", "write -z 1M 64k");
        good = Files.readAllBytes(img);
    }

    private String refused(Consumer<ByteBuffer> change) throws Exception {
        byte[] bytes = good.clone();
        change.accept(ByteBuffer.wrap(bytes));
        Path bad = dir.resolve("bad.qcow2");
        Files.write(bad, bytes);
        try (Qcow2Image i = Images.open(bad, true)) {
            fail("opened: " + i.header());
            return null;
        } catch (Qcow2Exception e) {
            assertTrue("one line: " + e.getMessage(), !e.getMessage().contains("\n"));
            return e.getMessage();
        }
    }

    private void assertRefused(String expected, Consumer<ByteBuffer> change) throws Exception {
        String message = refused(change);
        assertTrue("'" + message + "' should mention '" + expected + "'", message.contains(expected));
    }

    @Test
    public void badHeadersAreRefusedWithAClearMessage() throws Exception {
        assertRefused("bad magic", b -> b.putInt(0, 0x514649fa));
        assertRefused("version 4", b -> b.putInt(4, 4));
        assertRefused("cluster_bits 8", b -> b.putInt(20, 8));
        assertRefused("cluster_bits 22", b -> b.putInt(20, 22));
        assertRefused("encrypted", b -> b.putInt(32, 1));
        assertRefused("L1 table too small", b -> b.putInt(36, 0));
        assertRefused("not a cluster-aligned", b -> b.putLong(40, b.getLong(40) + 512));
        assertRefused("beyond the end of the file", b -> b.putLong(40, 1L << 40));
        assertRefused("beyond the end of the file", b -> b.putLong(48, 1L << 40));
        assertRefused("overlaps", b -> b.putLong(40, b.getLong(48)));
        assertRefused("unknown incompatible features", b -> b.putLong(72, 1L << 5));
        assertRefused("external data file", b -> b.putLong(72, 1L << 2));
        assertRefused("refcount_order", b -> b.putInt(96, 7));
        assertRefused("header_length", b -> b.putInt(100, 100));
        assertRefused("invalid virtual size", b -> b.putLong(24, -1));
        assertRefused("refcount table size", b -> b.putInt(56, 0));
        assertRefused("too many snapshots", b -> b.putInt(60, 1 << 20));
        assertRefused("not a qcow2 image", b -> b.putInt(0, 0));
    }

    @Test
    public void truncatedAndEmptyFiles() throws Exception {
        Path empty = dir.resolve("empty.qcow2");
        Files.write(empty, new byte[0]);
        try {
            Images.open(empty, true).close();
            fail("opened an empty file");
        } catch (Qcow2Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("shorter than a qcow2 header"));
        }
        Path missing = dir.resolve("missing.qcow2");
        try {
            Images.open(missing, true).close();
            fail("opened a missing file");
        } catch (Qcow2Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no such file"));
        }
    }

    @Test
    public void damagedCompressedClustersAreRefusedClearly() throws Exception {
        Path raw = dir.resolve("src.raw");
        byte[] data = new byte[1 << 20];
        java.util.Arrays.fill(data, (byte) 'z');
        Files.write(raw, data);
        for (String type : new String[] {"zlib", "zstd"}) {
            Path img = dir.resolve(type + ".qcow2");
            Qemu.img("convert", "-c", "-O", "qcow2", "-o", "cluster_size=4k,compression_type=" + type,
                    raw.toString(), img.toString());
            byte[] bytes = Files.readAllBytes(img);
            // the compressed data follows the metadata; clobber the last 8 KiB of the file
            for (int i = bytes.length - 8192; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 31);
            }
            Files.write(img, bytes);
            try (Qcow2Image i = Images.open(img, true)) {
                ReadCompatibilityTest.readAll(i, 4096);
                fail("read damaged " + type + " clusters");
            } catch (Qcow2Exception e) {
                assertTrue(e.getMessage(), e.getMessage().contains("does not decompress"));
            }
        }
    }

    @Test
    public void readOnlyOpensNeverModifyTheFile() throws Exception {
        Path img = dir.resolve("lazy.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "lazy_refcounts=on", img.toString(), "4M");
        Qemu.io(img, "write -P 3 0 1M");
        byte[] before = Files.readAllBytes(img);
        var modified = Files.getLastModifiedTime(img);
        try (Qcow2Image i = Images.open(img, true)) {
            ReadCompatibilityTest.readAll(i, 65536);
            i.flush();
            try {
                i.write(0, ByteBuffer.allocate(512));
                fail("wrote to a read-only image");
            } catch (Qcow2Exception e) {
                assertTrue(e.getMessage(), e.getMessage().contains("read-only"));
            }
        }
        assertTrue(Qcow2Checker.check(img).clean());
        assertArrayEquals(before, Files.readAllBytes(img));
        assertEquals(modified, Files.getLastModifiedTime(img));
    }

    /** Random damage to the header cluster and the tables, with a fixed seed. */
    @Test
    public void fuzzedImagesFailOnlyWithQcow2Exception() throws Exception {
        Random r = new Random(42);
        int opened = 0;
        int refused = 0;
        Path fuzzed = dir.resolve("fuzz.qcow2");
        for (int round = 0; round < 400; round++) {
            byte[] bytes = good.clone();
            int changes = 1 + r.nextInt(4);
            for (int c = 0; c < changes; c++) {
                int at = r.nextBoolean() ? r.nextInt(120) : r.nextInt(Math.min(bytes.length, 6 * 4096));
                switch (r.nextInt(3)) {
                    case 0 -> bytes[at] = (byte) r.nextInt();
                    case 1 -> bytes[at] ^= (byte) (1 << r.nextInt(8));
                    default -> bytes[at] = (byte) (r.nextBoolean() ? 0 : 0xff);
                }
            }
            Files.write(fuzzed, bytes);
            try (Qcow2Image i = Images.open(fuzzed, true)) {
                opened++;
                long size = i.virtualSize();
                byte[] buf = new byte[65536];
                for (int k = 0; k < 8; k++) {
                    long at = size <= buf.length ? 0 : (r.nextLong() & Long.MAX_VALUE) % (size - buf.length);
                    i.read(at, ByteBuffer.wrap(buf, 0, (int) Math.min(buf.length, size)));
                }
                Qcow2Checker.check(i);
            } catch (Qcow2Exception e) {
                refused++;
                assertTrue(!e.getMessage().isEmpty());
            } catch (RuntimeException | Error e) {
                throw new AssertionError("round " + round + ": " + e, e);
            }
        }
        assertTrue("some fuzzed images were refused: " + refused, refused > 50);
        assertTrue("some survived (damage in unused bytes): " + opened, opened > 10);
    }
}
