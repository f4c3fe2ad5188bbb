package io.jublk.target.qcow2.image;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.Rule;
import org.junit.Test;

/**
 * Crashes simulated from a record of every write and sync, checked for metadata and for data.
 *
 * <ul>
 * <li>A process kill after an operation returned: every write made so far has reached the file. The file as
 *     it is (dirty bit and all, no repair) passes {@code qemu-img check} and our check, and reads exactly as
 *     the model did after that operation: nothing acknowledged is lost.</li>
 * <li>A power cut anywhere: every write before the last sync has reached the file and any subset of the later
 *     ones has (the disk may reorder them). After the next open for writing (which repairs refcounts, the
 *     dirty bit being set) {@code qemu-img check} finds no corruption (leaks allowed), and every sector that
 *     no operation after the last completed FLUSH touched reads as the model: flushed data survives.</li>
 * </ul>
 */
public class CrashConsistencyTest {
    private static final int CRASH_POINTS = 40;
    private static final int SECTOR = 512;

    @Rule
    public QemuFolder dir = new QemuFolder();

    /** One operation of the workload, and where its writes end in the log. */
    private record Done(int kind, long at, int length, int logEnd) {
    }

    private void crashEverywhere(Path image, int ops, long seed, int maxLength, boolean close) throws Exception {
        byte[] base = Files.readAllBytes(image);
        byte[] model = Qemu.raw(image, dir.path());
        RecordingStorage rec = new RecordingStorage(FileStorage.open(image, false));
        Random r = new Random(seed);
        Set<Integer> kills = Set.of(ops / 3, 2 * ops / 3, ops - 1);
        Map<Integer, byte[]> atKill = new HashMap<>();
        List<Done> done = new ArrayList<>();
        Qcow2Image img = Qcow2Image.open(image, rec, false, 0, seed % 2 == 1 ? 1 : Images.DEFAULT_L2_CACHE);
        Workload.apply(img, r, ops, maxLength, model, (op, kind, at, length) -> {
            done.add(new Done(kind, at, length, rec.ops.size()));
            if (kills.contains(op)) {
                atKill.put(op, model.clone());
            }
        });
        if (close) {
            img.close();
            done.add(new Done(Workload.Step.FLUSH, 0, 0, rec.ops.size()));
        }
        List<RecordingStorage.Op> log = rec.ops;
        assertTrue("the run wrote metadata", log.size() > 10);
        for (Map.Entry<Integer, byte[]> kill : atKill.entrySet()) {
            int at = done.get(kill.getKey()).logEnd();
            Path killed = replay(image, base, log, at, at, r, "kill-" + kill.getKey());
            Qemu.check(killed);
            CheckResult ours = Qcow2Checker.check(killed);
            assertTrue("killed after op " + kill.getKey() + ": " + ours.messages(), ours.clean());
            assertArrayEquals("killed after op " + kill.getKey(), kill.getValue(), readAll(killed));
            Files.delete(killed);
        }
        for (int p = 0; p < CRASH_POINTS; p++) {
            int crashAt = p == CRASH_POINTS - 1 ? log.size() : r.nextInt(log.size() + 1);
            int lastSync = -1;
            for (int i = 0; i < crashAt; i++) {
                if (log.get(i).sync()) {
                    lastSync = i;
                }
            }
            Path crashed = replay(image, base, log, crashAt, lastSync, r, "crash-" + p);
            Images.open(crashed, false).close(); // the repair a dirty image gets
            Qemu.Result check = Qemu.check(crashed);
            CheckResult ours = Qcow2Checker.check(crashed);
            assertTrue("crash point " + crashAt + "/" + log.size() + ": our check " + ours.messages()
                    + "\nqemu-img: " + check.output(), ours.clean());
            assertFlushedDataSurvived(crashed, model, done, log, lastSync, crashAt);
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

    /** The base file with the log's writes before {@code crashAt}: all up to {@code durable}, a random subset after. */
    private static Path replay(Path image, byte[] base, List<RecordingStorage.Op> log, int crashAt, int durable,
                               Random r, String name) throws Exception {
        Path crashed = image.resolveSibling(name + ".qcow2"); // beside it: backing files are named relatively
        Files.write(crashed, base);
        try (RandomAccessFile f = new RandomAccessFile(crashed.toFile(), "rw")) {
            for (int i = 0; i < crashAt; i++) {
                RecordingStorage.Op op = log.get(i);
                if (!op.sync() && (i < durable || r.nextBoolean())) {
                    f.seek(op.position());
                    f.write(op.bytes());
                }
            }
        }
        return crashed;
    }

    /**
     * Every sector that no operation after the last FLUSH whose sync is at or before {@code lastSync} touched
     * reads as the model (its value then and at the end are the same).
     */
    private static void assertFlushedDataSurvived(Path crashed, byte[] model, List<Done> done,
                                                  List<RecordingStorage.Op> log, int lastSync, int crashAt)
            throws Exception {
        int flushed = -1;
        for (int op = 0; op < done.size(); op++) {
            int from = op == 0 ? 0 : done.get(op - 1).logEnd();
            int sync = -1;
            for (int i = from; i < done.get(op).logEnd(); i++) {
                if (log.get(i).sync()) {
                    sync = i;
                }
            }
            if (done.get(op).kind() == Workload.Step.FLUSH && sync >= 0 && sync <= lastSync) {
                flushed = op;
            }
        }
        BitSet since = new BitSet(model.length / SECTOR);
        for (int op = flushed + 1; op < done.size(); op++) {
            Done d = done.get(op);
            if (d.kind() != Workload.Step.FLUSH) {
                since.set((int) (d.at() / SECTOR), (int) ((d.at() + d.length()) / SECTOR));
            }
        }
        byte[] got = readAll(crashed);
        for (int s = since.nextClearBit(0); s < model.length / SECTOR; s = since.nextClearBit(s + 1)) {
            int at = s * SECTOR;
            if (!Arrays.equals(model, at, at + SECTOR, got, at, at + SECTOR)) {
                fail("crash point " + crashAt + "/" + log.size() + ": sector " + s + " (byte " + at
                        + ") lost data flushed by operation " + flushed);
            }
        }
    }

    private static byte[] readAll(Path image) throws Exception {
        try (Qcow2Image img = Images.open(image, true)) {
            return ReadCompatibilityTest.readAll(img, 1 << 20);
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
        byte[] atSnapshot = Qemu.raw(img, dir.path());
        crashEverywhere(img, 120, 23, 32 << 10, true);
        Path snap = dir.resolve("before.raw");
        Qemu.img("convert", "-l", "snapshot.name=before", "-O", "raw", img.toString(), snap.toString());
        assertArrayEquals(atSnapshot, Files.readAllBytes(snap));
    }

    /** Version 2 has no dirty bit: refcounts are synced before the entries that need them. */
    @Test
    public void version2OverBacking() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-f", "qcow2", base.toString(), "4M");
        Qemu.io(base, "write -P 0x33 0 4M");
        Path img = dir.resolve("v2.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "compat=0.10,cluster_size=4k", "-b", "base.qcow2", "-F", "qcow2",
                img.toString(), "4M");
        crashEverywhere(img, 100, 25, 32 << 10, true);
    }

    @Test
    public void extendedL2() throws Exception {
        Path img = dir.resolve("ext.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=32k", img.toString(), "8M");
        Qemu.io(img, "write -P 1 0 100k", "write -z 200k 10k");
        crashEverywhere(img, 120, 24, 96 << 10, true);
    }
}
