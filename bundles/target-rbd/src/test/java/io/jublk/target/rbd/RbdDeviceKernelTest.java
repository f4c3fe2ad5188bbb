package io.jublk.target.rbd;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import io.jublk.testkit.Commands;
import io.jublk.testkit.LiveDevice;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.Before;
import org.junit.Test;

/**
 * rbd devices on a real ublk kernel (the test VM, both kernels), against a cluster started inside the guest:
 * what is written through /dev/ublkbN is what {@code rbd export} reads, what {@code rbd import} wrote is what
 * the disk reads, and fio's verify finds nothing wrong.
 *
 * <p>The cluster comes up in the guest in 35 to 70 s under TCG (8 to 12 s natively); it is started once for the
 * test JVM, like the native tests' one.
 */
public class RbdDeviceKernelTest {
    private static final Path CONTROL = Path.of("/dev/ublk-control");
    private static final int MIB = 1 << 20;

    @Before
    public void needsUblk() {
        if (Boolean.getBoolean("jublk.expect.ublk")) {
            assertTrue("no " + CONTROL + " on the ublk host", Files.exists(CONTROL));
        } else {
            assumeTrue("no ublk driver on this kernel", Files.exists(CONTROL));
        }
    }

    @Test
    public void dataThroughTheDiskIsTheImagesData() throws Exception {
        CephCluster ceph = CephCluster.get();
        ceph.createImage("kernel", 32);
        byte[] pattern = RbdTargetTest.random(4 * MIB, 7);
        long at = 3 * MIB + 4096; // across an object boundary
        try (var d = LiveDevice.open(new RbdTargetFactory(), RbdTarget.class, 2, ceph.options("kernel"))) {
            System.out.println("kernel " + System.getProperty("os.version") + ": " + d.target.describe());
            assertEquals(32L * MIB >> 9, d.params.basic().devSectors());
            int fd = Linux.open(d.node(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = AlignedMemory.allocate(arena, pattern.length, 4096);
                MemorySegment.copy(pattern, 0, out, ValueLayout.JAVA_BYTE, 0, pattern.length);
                assertEquals(pattern.length, Linux.pwrite(fd, out, at));
                MemorySegment in = AlignedMemory.allocate(arena, pattern.length, 4096);
                assertEquals(pattern.length, Linux.pread(fd, in, at));
                assertArrayEquals(pattern, in.toArray(ValueLayout.JAVA_BYTE));
            } finally {
                Linux.close(fd);
            }
            Commands.run(List.of("fio", "--name=verify", "--filename=" + d.node(), "--direct=1", "--ioengine=psync",
                    "--rw=randwrite", "--bs=4k", "--size=2M", "--offset=16M", "--verify=crc32c", "--numjobs=1"), 300);
        }
        byte[] exported = ceph.export("kernel");
        assertArrayEquals("rbd export reads what the disk wrote", pattern,
                Arrays.copyOfRange(exported, (int) at, (int) at + pattern.length));

        Path file = ceph.dir.resolve("kernel-import.bin");
        byte[] whole = RbdTargetTest.random(8 * MIB, 8);
        Files.write(file, whole);
        ceph.rbd("import", "--no-progress", file.toString(), "rbd/kernel-imported");
        try (var d = LiveDevice.open(new RbdTargetFactory(), RbdTarget.class, 1, ceph.options("kernel-imported"));
             Arena arena = Arena.ofConfined()) {
            int fd = Linux.open(d.node(), Linux.O_RDONLY | Linux.O_DIRECT | Linux.O_CLOEXEC);
            try {
                MemorySegment in = AlignedMemory.allocate(arena, whole.length, 4096);
                assertEquals(whole.length, Linux.pread(fd, in, 0));
                assertArrayEquals("the disk reads what rbd import wrote", whole, in.toArray(ValueLayout.JAVA_BYTE));
            } finally {
                Linux.close(fd);
            }
        }
    }
}
