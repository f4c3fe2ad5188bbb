package io.jublk.target.qcow2.image;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.Rule;
import org.junit.Test;

/**
 * Space comes back while direct I/O never stops: at every FLUSH some direct write is in flight (a new one
 * starts before the previous one ends), yet the clusters that discards drop are freed and reused, so the
 * file stops growing. (Frees used to wait for no direct I/O at all in flight: the file grew by a cluster per
 * round.)
 */
public class FreesUnderDirectIoTest {
    private static final int CLUSTER = 64 << 10;
    private static final int ROUNDS = 40;

    @Rule
    public QemuFolder tmp = new QemuFolder();

    @Test
    public void discardedClustersAreReusedUnderSustainedDirectWrites() throws Exception {
        Path img = tmp.resolve("busy.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=64k", img.toString(), "8M");
        Qemu.io(img, "write -P 1 0 64k"); // the cluster the direct writes go to
        byte[] data = new byte[CLUSTER];
        Arrays.fill(data, (byte) 7);
        long grown;
        try (Qcow2Image image = Images.open(img, false)) {
            long previous = image.mapDirect(0, 4096, true);
            assertTrue(previous >= 0);
            long start = Files.size(img);
            for (int round = 0; round < ROUNDS; round++) {
                long next = image.mapDirect(0, 4096, true); // starts before the previous one ends
                image.directDone(previous);
                previous = next;
                image.write(2L * CLUSTER, ByteBuffer.wrap(data)); // allocates a cluster
                image.zeroRange(2L * CLUSTER, CLUSTER); // drops it
                image.flush();
            }
            assertTrue("frees waiting: " + image.waitingFrees(), image.waitingFrees() <= 2);
            grown = (Files.size(img) - start) / CLUSTER;
            image.directDone(previous);
        }
        assertTrue("the file grew by " + grown + " clusters in " + ROUNDS + " rounds", grown <= 3);
        assertEquals("no leaks: " + Qemu.check(img).output(), 0, Qemu.check(img).exit());
    }
}
