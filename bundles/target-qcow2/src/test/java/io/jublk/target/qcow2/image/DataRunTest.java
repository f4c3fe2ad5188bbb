package io.jublk.target.qcow2.image;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;

/**
 * A write that allocates a run of new clusters sends the run's data to the file as one write, not one per
 * cluster (sequential 64 KiB writes into an empty image with 4 KiB clusters were 16 writes each).
 */
public class DataRunTest {
    private static final int CLUSTER = 4096;

    @Rule
    public QemuFolder dir = new QemuFolder();

    @Test
    public void aRunOfNewClustersIsOneWrite() throws Exception {
        Path img = dir.resolve("run.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=4k", img.toString(), "8M");
        RecordingStorage rec = new RecordingStorage(FileStorage.open(img, false));
        byte[] data = new byte[16 * CLUSTER + 1024];
        new Random(4).nextBytes(data);
        long at = 3 * CLUSTER + 512; // a partial first and last cluster
        try (Qcow2Image image = Qcow2Image.open(img, rec, false, 0, Images.DEFAULT_L2_CACHE)) {
            image.write(0, ByteBuffer.allocate(512)); // the L2 table exists: the run is not cut by it
            int before = rec.ops.size();
            image.write(at, ByteBuffer.wrap(data));
            List<RecordingStorage.Op> ops = rec.ops.subList(before, rec.ops.size());
            long dataWrites = ops.stream().filter(o -> !o.sync() && o.bytes().length >= CLUSTER).count();
            assertEquals("writes of a cluster or more: " + ops.size() + " ops", 1, dataWrites);
            byte[] got = new byte[data.length];
            image.read(at, ByteBuffer.wrap(got));
            assertArrayEquals(data, got);
        }
        Qemu.check(img);
        byte[] raw = Qemu.raw(img, dir.path());
        assertArrayEquals(data, java.util.Arrays.copyOfRange(raw, (int) at, (int) at + data.length));
    }
}
