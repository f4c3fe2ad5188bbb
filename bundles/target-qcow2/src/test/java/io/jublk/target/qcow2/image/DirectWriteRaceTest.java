package io.jublk.target.qcow2.image;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.Rule;
import org.junit.Test;

/**
 * A direct write handed out by {@link Qcow2Image#mapDirect} lands in the file while the slow path writes
 * another subcluster of the same extended-L2 cluster: the direct write must survive (it was acknowledged).
 * The interleaving is forced: the direct write lands just before the slow path's first data write into the
 * cluster, after anything the slow path read.
 */
public class DirectWriteRaceTest {
    private static final int CLUSTER = 64 << 10;
    private static final int SUBCLUSTER = CLUSTER / 32;

    @Rule
    public QemuFolder dir = new QemuFolder();

    /** Passes everything on; once armed, writes {@code landing} at {@code from} before the first write into [from, to). */
    private static final class LandingStorage extends ForwardingStorage {
        long from = -1;
        long to = -1;
        ByteBuffer landing;

        LandingStorage(Storage inner) {
            super(inner);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            if (landing != null && position < to && position + src.remaining() > from) {
                ByteBuffer l = landing;
                landing = null;
                inner.write(l, from);
            }
            inner.write(src, position);
        }
    }

    @Test
    public void slowPathKeepsAnInFlightDirectWrite() throws Exception {
        Path img = dir.resolve("ext.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=64k", img.toString(), "4M");
        Qemu.io(img, "write -P 1 0 " + SUBCLUSTER); // subcluster 0 of cluster 0 allocated, the rest not
        LandingStorage storage = new LandingStorage(FileStorage.open(img, false));
        byte[] direct = new byte[SUBCLUSTER];
        Arrays.fill(direct, (byte) 0xaa);
        byte[] slow = new byte[SUBCLUSTER];
        Arrays.fill(slow, (byte) 0xbb);
        try (Qcow2Image image = Qcow2Image.open(img, storage, false, 0, Images.DEFAULT_L2_CACHE)) {
            long mapped = image.mapDirect(0, SUBCLUSTER, true);
            long host = Qcow2Image.directOffset(mapped);
            assertTrue("subcluster 0 maps directly", mapped >= 0 && host > 0);
            storage.from = host;
            storage.to = host + CLUSTER;
            storage.landing = ByteBuffer.wrap(direct);
            image.write(2 * SUBCLUSTER, ByteBuffer.wrap(slow)); // subcluster 2: not allocated, slow path
            image.directDone(mapped);
            byte[] got = new byte[3 * SUBCLUSTER];
            image.read(0, ByteBuffer.wrap(got));
            assertArrayEquals("the direct write", direct, Arrays.copyOfRange(got, 0, SUBCLUSTER));
            assertArrayEquals("subcluster 1 still reads as zeroes", new byte[SUBCLUSTER],
                    Arrays.copyOfRange(got, SUBCLUSTER, 2 * SUBCLUSTER));
            assertArrayEquals("the slow write", slow, Arrays.copyOfRange(got, 2 * SUBCLUSTER, 3 * SUBCLUSTER));
        }
        Qemu.check(img);
        byte[] raw = Qemu.raw(img, dir.path());
        assertArrayEquals(direct, Arrays.copyOfRange(raw, 0, SUBCLUSTER));
        assertArrayEquals(slow, Arrays.copyOfRange(raw, 2 * SUBCLUSTER, 3 * SUBCLUSTER));
    }
}
