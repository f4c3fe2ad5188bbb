package io.jublk.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The qcow2 target through the console only, in the container on the ublk host: images made with
 * ublk:qcow2-create (alone and over a backing file) served with ublk:add qcow2, written by fio and a file
 * system, then found clean by ublk:qcow2-check and by QEMU's own qemu-img; bad images refused in one line.
 * Shares the suite's container (PerSuite), so it costs no Karaf boot of its own.
 */
public class Qcow2ConsoleIT extends ContainerTestBase {
    /** In the guest's /tmp (a tmpfs: open file description locks and O_DIRECT work there). */
    private Path dir;

    @Before
    public void setUp() throws Exception {
        assumeTrue("qemu-img not installed", HostTools.installed("qemu-img"));
        dir = Files.createTempDirectory(Path.of("/tmp"), "jublk-it-qcow2-"); // not karaf.data: 9p in the VM
    }

    @After
    public void tearDown() throws Exception {
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    public void aNewImageTakesFioAndAFileSystemAndStaysClean() throws Exception {
        assumeTrue("fio not installed", HostTools.installed("fio"));
        Path img = dir.resolve("disk.qcow2");
        String created = console.run("ublk:qcow2-create -s 256M -c 64K " + img);
        assertTrue(created, created.startsWith("created " + img + ": qcow2 v3"));
        String info = HostTools.ok("qemu-img", "info", "--output=json", img.toString());
        assertTrue(info, info.contains("\"virtual-size\": " + (256L << 20)));
        assertTrue(info, info.contains("\"cluster-size\": 65536"));
        assertTrue(info, info.contains("\"compat\": \"1.1\"")); // v3
        assertTrue(console.error("ublk:qcow2-create -s 1G " + img).contains("already exists"));

        int id = Console.deviceId(console.run("ublk:add qcow2 -q 2 -f " + img));
        Path disk = Path.of("/dev/ublkb" + id);
        try {
            String[] list = console.run("ublk:list -n " + id).split("\n");
            assertTrue(list[0], list[0].endsWith("dev_capacity " + (256L << 20)));
            assertTrue(list[1], list[1].trim().endsWith("state LIVE"));
            String json = console.run("ublk:list --json -n " + id);
            assertTrue(json, json.contains("\"state\":\"LIVE\""));
            assertTrue(json, json.contains("\"targetType\":\"qcow2\",\"target\":{\"file\":\"" + img + "\""));
            assertTrue(json, json.contains("\"clusterSize\":65536,\"version\":3,\"backing\":false"));
            // the image is this device's: a second device, or a check while it is served, is refused
            assertTrue(console.error("ublk:qcow2-check " + img).contains("is in use"));

            HostTools.fio(disk, "32M");
            HostTools.ok("mkfs.ext4", "-q", "-F", disk.toString());
            Path mnt = Files.createDirectory(dir.resolve("mnt"));
            byte[] data = new byte[3 << 20];
            new java.util.Random(id).nextBytes(data);
            HostTools.ok("mount", disk.toString(), mnt.toString());
            try {
                Files.write(mnt.resolve("data"), data);
                HostTools.ok("sync");
            } finally {
                HostTools.ok("umount", mnt.toString());
            }
            HostTools.ok("mount", "-o", "ro", disk.toString(), mnt.toString());
            try {
                assertArrayEquals("the file reads back after a remount", data, Files.readAllBytes(mnt.resolve("data")));
            } finally {
                HostTools.ok("umount", mnt.toString());
            }
            HostTools.ok("fsck.ext4", "-n", "-f", disk.toString());
        } finally {
            console.run("ublk:del -n " + id);
        }
        assertFalse(Files.exists(disk));
        assertClean(img);
    }

    @Test
    public void anOverlayReadsItsBackingFileAndKeepsItsOwnWrites() throws Exception {
        Path base = dir.resolve("base.qcow2");
        assertTrue(console.run("ublk:qcow2-create -s 64M -c 64K " + base).startsWith("created"));
        HostTools.qemuIo(base, "write -P 0x5a 0 1M");
        Path overlay = dir.resolve("overlay.qcow2");
        // a relative backing name: relative to the overlay's folder; the size is the backing file's
        String created = console.run("ublk:qcow2-create -b base.qcow2 " + overlay);
        assertTrue(created, created.contains(", backing base.qcow2"));
        String info = HostTools.ok("qemu-img", "info", "--output=json", overlay.toString());
        assertTrue(info, info.contains("\"virtual-size\": " + (64L << 20)));
        assertTrue(info, info.contains("\"backing-filename\": \"base.qcow2\""));

        int id = Console.deviceId(console.run("ublk:add qcow2 -f " + overlay));
        Path disk = Path.of("/dev/ublkb" + id);
        byte[] mine = new byte[4096];
        Arrays.fill(mine, (byte) 0xa5);
        try {
            String json = console.run("ublk:list --json -n " + id);
            assertTrue(json, json.contains("\"targetType\":\"qcow2\"") && json.contains("\"backing\":true"));
            // the base is the overlay's, read-only: no device may write it meanwhile
            assertTrue(console.error("ublk:add qcow2 -f " + base).contains("is in use"));
            assertArrayEquals("the backing file shows through", filled(4096, 0x5a), read(disk, 64 << 10, 4096));
            assertArrayEquals("beyond the backing data, zeroes", new byte[4096], read(disk, 2 << 20, 4096));
            try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
                f.seek(512 << 10); // inside a cluster of the backing file: copy-on-write
                f.write(mine);
                f.getFD().sync();
            }
            assertArrayEquals(mine, read(disk, 512 << 10, 4096));
        } finally {
            console.run("ublk:del -n " + id);
        }
        assertFalse(Files.exists(disk));
        assertClean(overlay);
        // QEMU reads through the same chain what the device wrote, and the rest of the cluster from the base
        HostTools.qemuIo(overlay, "read -P 0xa5 512k 4k", "read -P 0x5a 0 512k", "read -P 0x5a 516k 508k",
                "read -P 0 1M 1M");
        HostTools.qemuIo(base, "read -P 0x5a 512k 4k"); // the base is unchanged
        assertClean(base);
    }

    @Test
    public void badImagesGetOneLineAndLeaveNoDevice() throws Exception {
        List<Path> disks = disks();
        List<Path> records = records();

        assertRefused("ublk:add qcow2 -f " + dir.resolve("missing.qcow2"), "no such file");

        Path raw = dir.resolve("raw.img");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        assertRefused("ublk:add qcow2 -f " + raw, "not a qcow2 image");
        assertRefused("ublk:qcow2-check " + raw, "not a qcow2 image");

        Path corrupt = dir.resolve("corrupt.qcow2");
        console.run("ublk:qcow2-create -s 16M " + corrupt);
        try (RandomAccessFile f = new RandomAccessFile(corrupt.toFile(), "rw")) {
            f.writeInt(0x514649fa); // "QFI\xfa" for "QFI\xfb"
        }
        assertRefused("ublk:add qcow2 -f " + corrupt, "bad magic 0x514649fa");
        assertRefused("ublk:qcow2-check " + corrupt, "bad magic");

        assertRefused("ublk:add qcow2", "option --file is required");
        assertRefused("ublk:qcow2-create " + dir.resolve("nosize.qcow2"), "needs -s SIZE");
        assertRefused("ublk:qcow2-create -s 16M -c 3K " + dir.resolve("badcluster.qcow2"), "cluster");
        assertFalse("a failed create leaves no file", Files.exists(dir.resolve("badcluster.qcow2")));

        Path used = dir.resolve("used.qcow2");
        console.run("ublk:qcow2-create -s 16M " + used);
        int id = Console.deviceId(console.run("ublk:add qcow2 -f " + used));
        try {
            List<Path> withOne = disks();
            List<Path> recordsWithOne = records();
            String error = console.error("ublk:add qcow2 -f " + used);
            assertTrue(error, error.contains(used + " is in use"));
            assertFalse(error, error.contains("\n"));
            error = console.error("ublk:add qcow2 --read-only -f " + used);
            assertTrue(error, error.contains("is in use"));
            assertEquals(withOne, disks());
            assertEquals(recordsWithOne, records());
            assertTrue(console.run("ublk:list -n " + id).contains("state LIVE"));
        } finally {
            console.run("ublk:del -n " + id);
        }
        assertEquals(disks, disks());
        assertEquals(records, records());
        assertClean(used);
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** Clean by our check and by QEMU's: no corruption and no leaked cluster. */
    private void assertClean(Path img) throws Exception {
        String check = console.run("ublk:qcow2-check " + img);
        assertTrue(check, check.contains("No errors were found on the image."));
        HostTools.ok("qemu-img", "check", img.toString());
    }

    private static byte[] read(Path disk, long offset, int length) throws Exception {
        byte[] b = new byte[length];
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
            f.seek(offset);
            f.readFully(b);
        }
        return b;
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
