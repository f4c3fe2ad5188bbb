package io.jublk.target.qcow2;

import static org.junit.Assert.assertArrayEquals;
import static io.jublk.testkit.Commands.run;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeFalse;
import static org.junit.Assume.assumeTrue;

import io.jublk.core.control.ControlClient;
import io.jublk.core.device.UblkDevice;
import io.jublk.target.qcow2.image.Images;
import io.jublk.target.qcow2.image.Qcow2Creator;
import io.jublk.target.qcow2.image.Qcow2Image;
import io.jublk.target.qcow2.image.Qemu;
import io.jublk.testkit.LiveDevice;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.Before;
import org.junit.Test;

/**
 * qcow2 devices on a real ublk kernel (the test VM): fio verifies random writes through two queues, ext4 is
 * made and checked on an image over a backing file, and afterwards qemu-img check finds the images clean
 * and qemu-img reads what the device wrote.
 */
public class Qcow2DeviceKernelTest {
    private static final long SIZE = 64L << 20;
    private static final Path CONTROL = Path.of("/dev/ublk-control");

    @Before
    public void needsUblk() {
        if (Boolean.getBoolean("jublk.expect.ublk")) {
            assertTrue("no " + CONTROL + " on the ublk host", Files.exists(CONTROL));
        } else {
            assumeTrue("no ublk driver on this kernel", Files.exists(CONTROL));
        }
        Qemu.assumeInstalled();
    }

    private static Path fresh(String name) throws IOException {
        Path dir = Files.createDirectories(Path.of("/tmp", "qcow2-kernel-test"));
        Path file = dir.resolve(name);
        Files.deleteIfExists(file);
        return file;
    }

    @Test
    public void fioVerifiesRandomWritesOnTwoQueues() throws Exception {
        assumeTrue("fio not installed", Files.isExecutable(Path.of("/usr/bin/fio")));
        Path img = fresh("fio.qcow2");
        Qcow2Creator.create(img, SIZE, 65536, null);
        try (var d = device(img, 2, Map.of())) {
            System.out.println("kernel " + System.getProperty("os.version") + ": " + d.target.describe());
            run(List.of("/usr/bin/fio", "--name=verify", "--filename=" + d.node(), "--rw=randwrite", "--bs=4k",
                    "--size=16M", "--direct=1", "--ioengine=io_uring", "--iodepth=16", "--numjobs=1",
                    "--verify=crc32c", "--verify_fatal=1", "--do_verify=1", "--verify_state_save=0"), 300);
        }
        String check = Qemu.check(img).output();
        assertTrue(check, check.contains("No errors"));
    }

    @Test
    public void writesThroughTheDiskAreWhatQemuReads() throws Exception {
        Path img = fresh("data.qcow2");
        Qcow2Creator.create(img, SIZE, 65536, null);
        int length = 1 << 20;
        byte[] pattern = new byte[length];
        new Random(5).nextBytes(pattern);
        long at = (8L << 20) + 4096;
        try (var d = device(img, 1, Map.of())) {
            int fd = Linux.open(d.node(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = AlignedMemory.allocate(arena, length, 4096);
                MemorySegment.copy(pattern, 0, out, ValueLayout.JAVA_BYTE, 0, length);
                assertEquals(length, Linux.pwrite(fd, out, at));
                Linux.fsync(fd);
                MemorySegment in = AlignedMemory.allocate(arena, length, 4096);
                assertEquals(length, Linux.pread(fd, in, at));
                assertArrayEquals(pattern, in.toArray(ValueLayout.JAVA_BYTE));
            } finally {
                Linux.close(fd);
            }
        }
        Path raw = img.resolveSibling("data.raw");
        Qemu.img("convert", "-O", "raw", img.toString(), raw.toString());
        byte[] all = Files.readAllBytes(raw);
        byte[] back = new byte[length];
        System.arraycopy(all, (int) at, back, 0, length);
        assertArrayEquals("qemu-img reads what the disk wrote", pattern, back);
        Qemu.check(img);
    }

    @Test
    public void mkfsAndFsckOverABackingFile() throws Exception {
        Path mkfs = Path.of("/usr/sbin/mkfs.ext4");
        Path fsck = Path.of("/usr/sbin/fsck.ext4");
        assumeTrue("e2fsprogs not installed", Files.isExecutable(mkfs) && Files.isExecutable(fsck));
        Path base = fresh("base.qcow2");
        Qcow2Creator.create(base, SIZE, 65536, null);
        Path top = fresh("top.qcow2");
        Qcow2Creator.create(top, -1, 65536, "base.qcow2");
        try (var d = device(top, 2, Map.of())) {
            assertNotNull("discard advertised", d.params.discard());
            run(List.of(mkfs.toString(), "-q", "-F", d.node()), 300);
            run(List.of(fsck.toString(), "-n", "-f", d.node()), 300);
        }
        String check = Qemu.check(top).output();
        assertTrue(check, check.contains("No errors"));
        Path raw = top.resolveSibling("top.raw");
        Qemu.img("convert", "-O", "raw", top.toString(), raw.toString());
        run(List.of(fsck.toString(), "-n", "-f", raw.toString()), 300);
    }

    /**
     * A server process killed with SIGKILL while fio (another process) writes through its disk: the image
     * it leaves passes qemu-img check with no corruption, at most the writes in flight leaked, and opens for
     * writing again.
     * The dead device is then deleted on a best-effort basis (see the report: STOP_DEV of a disk whose
     * server was killed with I/O in flight was seen to hang on 7.2), so this test runs one round only.
     */
    @Test
    public void killedServerLeavesACleanImage() throws Exception {
        assumeTrue("fio not installed", Files.isExecutable(Path.of("/usr/bin/fio")));
        // What a kill leaves in the image is the target's doing, not the kernel's: the suite runs this on 7.2
        // (zero copy); on 6.12 karaf-assembly's kernel-distribution.sh kills a container serving a qcow2 image.
        assumeFalse("run on 7.2 only in the suite", "6.12".equals(System.getenv("UBLK_KERNEL")));
        Path img = fresh("killed.qcow2");
        Qcow2Creator.create(img, SIZE, 65536, null);
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process server = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), KillChild.class.getName(), img.toString())
                .redirectErrorStream(true).start();
        int id = -1;
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("READY ")) {
                id = Integer.parseInt(line.substring(6).trim());
                break;
            }
        }
        assertTrue("the server process served a device", id >= 0);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // the process is gone
            }
        });
        Process fio = new ProcessBuilder("/usr/bin/fio", "--name=killed", "--filename="
                + UblkDevice.blockDevice(id), "--rw=randwrite", "--bs=4k", "--size=48M", "--direct=1",
                "--ioengine=io_uring", "--iodepth=32", "--time_based", "--runtime=120")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread.sleep(8000);
        server.destroyForcibly(); // SIGKILL, mid-writes
        assertTrue("the server died", server.waitFor(60, TimeUnit.SECONDS));
        Qemu.Result check = Qemu.check(img);
        System.out.println("after SIGKILL: qemu-img check exit " + check.exit()
                + (check.exit() == 3 ? " (leaks only)" : "") + "\n" + check.output());
        // every allocation's metadata was in the file when its write completed: only writes in flight at the
        // kill may leak a cluster (2 queues of 32). A kill used to lose the L2 entries of every cluster
        // allocated since the last FLUSH (fio sends none here): thousands of leaks.
        java.util.regex.Matcher leaks = java.util.regex.Pattern.compile("(\\d+) leaked clusters?")
                .matcher(check.output());
        long leaked = check.exit() == 0 ? 0 : leaks.find() ? Long.parseLong(leaks.group(1)) : Long.MAX_VALUE;
        assertTrue("leaked " + leaked + ": " + check.output(), leaked <= 2 * 32 + 4);
        try (Qcow2Image again = Images.open(img, false)) {
            again.write(0, ByteBuffer.allocate(8192));
        }
        Qemu.check(img);
        int dead = id;
        Thread.ofPlatform().daemon().start(() -> {
            try (ControlClient c = ControlClient.open()) {
                c.stopDevice(dead);
                c.deleteDevice(dead);
                System.out.println("dead device " + dead + " deleted");
            } catch (Exception e) {
                System.out.println("deleting dead device " + dead + ": " + e.getMessage());
            }
        }).join(20_000);
        fio.destroyForcibly();
    }

    private static LiveDevice<Qcow2Target> device(Path file, int queues, Map<String, String> extra) throws Exception {
        Map<String, String> options = new HashMap<>(extra);
        options.put("file", file.toString());
        return LiveDevice.open(new Qcow2TargetFactory(), Qcow2Target.class, queues, options);
    }
}
