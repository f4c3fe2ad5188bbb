package io.jublk.target.qcow2.image;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.target.qcow2.format.Entries;
import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.Rule;
import org.junit.Test;

/**
 * Crafted images whose L2 entries or refcounts would send guest writes onto metadata: the write is refused,
 * the metadata left as it was and the image marked corrupt (as QEMU's overlap checks do).
 */
public class MetadataOverlapTest {
    private static final int CLUSTER = 64 << 10;

    @Rule
    public QemuFolder dir = new QemuFolder();

    /** An image with cluster 0 of the disk written; returns its L1 entry 0, refcount table offset. */
    private Path image(String name) throws Exception {
        Path img = dir.resolve(name);
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=64k", img.toString(), "4M");
        Qemu.io(img, "write -P 5 0 64k");
        return img;
    }

    private static long[] layout(Path img) throws Exception {
        try (Qcow2Image i = Images.open(img, true)) {
            return new long[] {i.l1()[0] & Entries.OFFSET_MASK, i.header().refcountTableOffset};
        }
    }

    private static void poke(Path img, long at, ByteBuffer b) throws Exception {
        try (FileChannel c = FileChannel.open(img, StandardOpenOption.WRITE)) {
            c.write(b, at);
        }
    }

    private static byte[] peek(Path img, long at, int n) throws Exception {
        return Arrays.copyOfRange(Files.readAllBytes(img), (int) at, (int) at + n);
    }

    private static void assertMarkedCorrupt(Path img) {
        try {
            Images.open(img, false).close();
            fail("opened a corrupt image for writing");
        } catch (Qcow2Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("marked corrupt"));
        }
    }

    @Test
    public void l2EntryOnTheRefcountTable() throws Exception {
        Path img = image("l2.qcow2");
        long[] at = layout(img);
        poke(img, at[0] + 8, ByteBuffer.allocate(8).putLong(0, at[1] | Entries.COPIED)); // disk cluster 1
        Path copy = Files.copy(img, dir.resolve("l2-direct.qcow2"));
        byte[] table = peek(img, at[1], CLUSTER);
        try (Qcow2Image i = Images.open(img, false)) {
            i.write(CLUSTER, ByteBuffer.allocate(4096));
            fail("wrote over the refcount table");
        } catch (Qcow2Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("points at metadata"));
        }
        assertArrayEquals(table, peek(img, at[1], CLUSTER));
        assertMarkedCorrupt(img);
        try (Qcow2Image i = Images.open(copy, false)) {
            i.mapDirect(CLUSTER, 4096, true);
            fail("handed out a direct write over the refcount table");
        } catch (Qcow2Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("points at metadata"));
        }
        assertMarkedCorrupt(copy);
    }

    @Test
    public void headerWithRefcountZero() throws Exception {
        Path img = image("rc.qcow2");
        long[] at = layout(img);
        long block = ByteBuffer.wrap(peek(img, at[1], 8)).getLong();
        poke(img, block, ByteBuffer.allocate(2)); // the header's refcount: 0
        byte[] header = peek(img, 0, 512);
        try (Qcow2Image i = Images.open(img, false)) {
            i.write(2 * CLUSTER, ByteBuffer.allocate(4096)); // allocates: the first free cluster is the header
            fail("allocated the header cluster");
        } catch (Qcow2Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("holds metadata"));
        }
        byte[] after = peek(img, 0, 512);
        long incompatible = ByteBuffer.wrap(after).getLong(Header.OFF_INCOMPAT);
        assertEquals(Header.INCOMPAT_CORRUPT, incompatible & Header.INCOMPAT_CORRUPT);
        ByteBuffer.wrap(after).putLong(Header.OFF_INCOMPAT, ByteBuffer.wrap(header).getLong(Header.OFF_INCOMPAT));
        assertArrayEquals("only the corrupt bit changed", header, after);
        assertMarkedCorrupt(img);
    }

    @Test
    public void clusterSetAgreesWithAHashSet() {
        MetadataClusters m = new MetadataClusters(9);
        Set<Long> model = new HashSet<>();
        Random r = new Random(5);
        for (int i = 0; i < 20000; i++) {
            long c = r.nextInt(3000);
            if (r.nextInt(3) == 0) {
                m.remove(c << 9, 512);
                model.remove(c);
            } else {
                m.add(c << 9, 512);
                model.add(c);
            }
            long probe = r.nextInt(3000);
            assertEquals("cluster " + probe, model.contains(probe), m.overlaps(probe << 9, 1));
        }
        assertEquals(model.size(), m.size());
    }
}
