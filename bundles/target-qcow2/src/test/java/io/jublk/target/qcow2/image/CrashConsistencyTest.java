package io.jublk.target.qcow2.image;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Crashes simulated from a record of every write and sync: at a crash point, every write before the last
 * sync has reached the file and any subset of the later ones has (the disk may reorder them). Each such file
 * must pass {@code qemu-img check} with no corruption (leaks allowed), and our own check agrees.
 */
public class CrashConsistencyTest {
    private static final int CRASH_POINTS = 40;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();
    private Path dir;

    @Before
    public void setUp() {
        Qemu.assumeInstalled();
        dir = tmp.getRoot().toPath();
    }

    private void crashEverywhere(Path image, int ops, long seed, int maxLength, boolean close) throws Exception {
        byte[] base = Files.readAllBytes(image);
        RecordingStorage rec = new RecordingStorage(FileStorage.open(image, false));
        Random r = new Random(seed);
        Qcow2Image img = Qcow2Image.open(image, rec, false, 0, seed % 2 == 1 ? 1 : Images.DEFAULT_L2_CACHE);
        Workload.apply(img, r, ops, maxLength, null);
        if (close) {
            img.close();
        }
        List<RecordingStorage.Op> log = rec.ops;
        assertTrue("the run wrote metadata", log.size() > 10);
        for (int p = 0; p < CRASH_POINTS; p++) {
            int crashAt = p == CRASH_POINTS - 1 ? log.size() : r.nextInt(log.size() + 1);
            int lastSync = -1;
            for (int i = 0; i < crashAt; i++) {
                if (log.get(i).sync()) {
                    lastSync = i;
                }
            }
            Path crashed = image.resolveSibling("crash-" + p + ".qcow2");
            Files.write(crashed, base);
            try (RandomAccessFile f = new RandomAccessFile(crashed.toFile(), "rw")) {
                for (int i = 0; i < crashAt; i++) {
                    RecordingStorage.Op op = log.get(i);
                    if (!op.sync() && (i < lastSync || r.nextBoolean())) {
                        f.seek(op.position());
                        f.write(op.bytes());
                    }
                }
            }
            Qemu.Result check = Qemu.check(crashed);
            CheckResult ours = Qcow2Checker.check(crashed);
            assertTrue("crash point " + crashAt + "/" + log.size() + ": our check " + ours.messages()
                    + "\nqemu-img: " + check.output(), ours.clean());
            if (p % 4 == 0) {
                // the crashed image is usable: more writes on it keep it clean (leaked clusters are not reused)
                try (Qcow2Image again = Images.open(crashed, false)) {
                    Workload.apply(again, r, 30, maxLength, null);
                }
                Qemu.check(crashed);
            }
            Files.delete(crashed);
        }
        if (!close) {
            img.close();
        }
    }

    @Test
    public void allocationAndRefcountGrowth() throws Exception {
        Path img = dir.resolve("grow.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=512", img.toString(), "16M");
        crashEverywhere(img, 120, 21, 128 << 10, true);
    }

    @Test
    public void overBackingWithDiscards() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-f", "qcow2", base.toString(), "8M");
        Qemu.io(base, "write -P 0x22 0 8M");
        Path img = dir.resolve("top.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=4k", "-b", "base.qcow2", "-F", "qcow2",
                img.toString(), "8M");
        crashEverywhere(img, 150, 22, 64 << 10, false);
    }

    @Test
    public void snapshotsAndCompressedClusters() throws Exception {
        Path raw = dir.resolve("src.raw");
        byte[] data = new byte[4 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i % 251 < 100 ? i / 4096 : 0x33);
        }
        Files.write(raw, data);
        Path img = dir.resolve("snap.qcow2");
        Qemu.img("convert", "-c", "-O", "qcow2", "-o", "cluster_size=4k", raw.toString(), img.toString());
        Qemu.io(img, "write -P 7 1M 512k");
        Qemu.img("snapshot", "-c", "before", img.toString());
        byte[] atSnapshot = Qemu.raw(img, dir);
        crashEverywhere(img, 120, 23, 32 << 10, true);
        Path snap = dir.resolve("before.raw");
        Qemu.img("convert", "-l", "snapshot.name=before", "-O", "raw", img.toString(), snap.toString());
        assertArrayEquals(atSnapshot, Files.readAllBytes(snap));
    }

    @Test
    public void extendedL2() throws Exception {
        Path img = dir.resolve("ext.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=32k", img.toString(), "8M");
        Qemu.io(img, "write -P 1 0 100k", "write -z 200k 10k");
        crashEverywhere(img, 120, 24, 96 << 10, true);
    }
}
