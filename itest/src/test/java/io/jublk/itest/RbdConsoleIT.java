package io.jublk.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Before;
import org.junit.Test;

/**
 * The rbd target through the console only, in the container on the ublk host, against the Ceph cluster the
 * suite starts in the guest ({@link GuestCeph}): ublk:add rbd serves an image; fio --verify=crc32c runs through
 * a bundle:update of the rbd target and every block it wrote is on the disk and in the cluster's own copy
 * (rbd export); a missing image or pool is refused in one line with nothing left; ublk:del releases the
 * image's lock and its watch.
 */
public class RbdConsoleIT extends ContainerTestBase {
    private static final String IMAGE = "it-disk";
    private static final Pattern LOCK_ADDRESS = Pattern.compile("\"address\":\"([^\"]+)\"");

    private Path conf;

    @Before
    public void setUp() throws Exception {
        conf = GuestCeph.awaitConf();
    }

    @Test
    public void anImageKeepsItsDataThroughATargetUpdateAndDelReleasesIt() throws Exception {
        String targets = console.run("ublk:targets");
        assertTrue(targets, targets.contains("rbd: ") && !targets.contains("UNAVAILABLE"));
        rbd("create", "--size", "64M", "rbd/" + IMAGE);
        String add = "ublk:add rbd --pool rbd --image " + IMAGE + " --conf " + conf + " -q 2";
        int id = Console.deviceId(console.run(add));
        Path disk = Path.of("/dev/ublkb" + id);
        boolean deleted = false;
        try {
            String json = console.run("ublk:list --json -n " + id);
            assertTrue(json, json.contains("\"state\":\"LIVE\"") && json.contains("\"targetType\":\"rbd\""));
            assertTrue(json, json.contains("\"pool\":\"rbd\",\"image\":\"" + IMAGE + "\""));
            assertTrue(json, json.contains("\"fsid\":\"" + GuestCeph.fsid(conf) + "\""));
            assertTrue(json, json.contains("\"exclusiveLock\":true") && json.contains("\"cache\":\"off\""));
            String owner = lockAddress();
            assertFalse("the image's lock is held by the disk", owner.isEmpty());
            assertRefused(add, "rbd/" + IMAGE + " is already served by a disk of this server");

            Process fio = HostTools.verifyWriter(disk, "0", "16M");
            Thread.sleep(2000);
            HostTools.assertRunning(fio, "the rbd target's bundle:update");
            console.run("bundle:update jublk-target-rbd");
            awaitServing(id);
            HostTools.assertFioClean(fio, "rbd target bundle updated");
            String successor = lockAddress();
            assertTrue("the update reopened the image: the lock has a new owner (" + successor + ", was " + owner + ")",
                    !successor.isEmpty() && !successor.equals(owner));

            // the cluster's own copy, read without jublk: fio finds every block it wrote there, and it is the disk
            Path export = export();
            String verified = HostTools.ok("fio", "--name=verify", "--filename=" + export, "--rw=randwrite",
                    "--bs=4k", "--offset=0", "--size=16M", "--direct=0", "--ioengine=psync", "--verify=crc32c",
                    "--verify_fatal=1", "--verify_only", "--do_verify=1", "--verify_state_save=0");
            assertTrue(verified, verified.contains("err= 0"));
            String onDisk = sha256(disk);
            assertEquals("the disk reads what rbd export reads, all 64 MiB", sha256(export), onDisk);

            console.run("ublk:del -n " + id);
            deleted = true;
            assertFalse(disk + " is gone", Files.exists(disk));
            assertFalse("ublk:list no longer names it", console.run("ublk:list").contains("dev id " + id + ":"));
            assertEquals("ublk:del released the image's lock", "", lockAddress());
            String status = rbd("status", "--format", "json", "rbd/" + IMAGE);
            assertTrue("no client watches the image any more: " + status, status.contains("\"watchers\":[]"));
            assertEquals("rbd export after ublk:del reads what the disk read", onDisk, sha256(export()));
        } finally {
            if (!deleted) {
                console.run("ublk:del -n " + id);
            }
        }
    }

    @Test
    public void aMissingImageOrPoolIsRefusedInOneLineWithNoDevice() throws Exception {
        String list = console.run("ublk:list");
        assertRefused("ublk:add rbd --pool rbd --image nosuch --conf " + conf, "image nosuch does not exist in pool rbd");
        assertRefused("ublk:add rbd --pool nopool --image " + IMAGE + " --conf " + conf, "pool nopool does not exist");
        assertEquals("ublk:list is unchanged", list, console.run("ublk:list"));
    }

    // ---- helpers --------------------------------------------------------------------------------

    private String rbd(String... args) throws Exception {
        String[] command = new String[args.length + 3];
        command[0] = "rbd";
        command[1] = "-c";
        command[2] = conf.toString();
        System.arraycopy(args, 0, command, 3, args.length);
        return HostTools.ok(command);
    }

    /** The address of the client holding the image's exclusive lock (rbd lock ls), or "" when nobody does. */
    private String lockAddress() throws Exception {
        Matcher m = LOCK_ADDRESS.matcher(rbd("lock", "ls", "--format", "json", "rbd/" + IMAGE));
        return m.find() ? m.group(1) : "";
    }

    /** The image's bytes as the cluster has them, through rbd export, in the guest's /tmp. */
    private Path export() throws Exception {
        Path file = Path.of("/tmp/jublk-it-rbd-export.img");
        Files.deleteIfExists(file);
        rbd("export", "--no-progress", "rbd/" + IMAGE, file.toString());
        return file;
    }

    /** SHA-256 of a whole file, or of a whole disk read with O_DIRECT (no page cache between it and the target). */
    private static String sha256(Path path) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Process dd = new ProcessBuilder("dd", "if=" + path, "bs=1M", "iflag=direct", "status=none").start();
        try (InputStream in = dd.getInputStream()) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        assertTrue("dd " + path + " finished", dd.waitFor(300, TimeUnit.SECONDS));
        assertEquals("dd " + path + ": " + new String(dd.getErrorStream().readAllBytes()), 0, dd.exitValue());
        return HexFormat.of().formatHex(sha.digest());
    }
}
