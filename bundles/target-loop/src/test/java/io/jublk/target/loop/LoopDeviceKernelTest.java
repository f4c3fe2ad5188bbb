package io.jublk.target.loop;

import static io.jublk.target.loop.LoopTargetTest.blocks;
import static io.jublk.target.loop.LoopTargetTest.fileBytes;
import static io.jublk.target.loop.LoopTargetTest.random;
import static io.jublk.target.loop.LoopTargetTest.resize;
import static org.junit.Assert.assertArrayEquals;
import static io.jublk.testkit.Commands.run;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import io.jublk.core.device.IoCommands;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import io.jublk.target.TargetOptions;
import io.jublk.testkit.LiveDevice;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.Before;
import org.junit.Test;

/**
 * Loop devices on a real ublk kernel (the test VM, both kernels): the data written through /dev/ublkbN lands
 * in the backing file, discards free its blocks, and fio and mkfs.ext4 + fsck find nothing wrong.
 * The backing files live in the module's target/ folder (9p in the VM: O_DIRECT and punch-hole as that file
 * system allows) and, for discard, in the VM's /tmp (tmpfs: punch-hole works).
 */
public class LoopDeviceKernelTest {
    private static final long SIZE = 64L << 20;
    private static final Path CONTROL = Path.of("/dev/ublk-control");
    private static final long BLKDISCARD = 0x1277L;
    private static final long BLKZEROOUT = 0x127fL;

    @Before
    public void needsUblk() {
        if (Boolean.getBoolean("jublk.expect.ublk")) {
            assertTrue("no " + CONTROL + " on the ublk host", Files.exists(CONTROL));
        } else {
            assumeTrue("no ublk driver on this kernel", Files.exists(CONTROL));
        }
    }

    @Test
    public void writesThroughTheDiskLandInTheBackingFile() throws Exception {
        Path file = backing(Path.of("target", "kernel-test").toAbsolutePath(), "loop-data.img", SIZE);
        for (int queues : new int[] {1, 2}) {
            try (var d = device(file, queues, Map.of())) {
                System.out.println("kernel " + System.getProperty("os.version") + ", " + queues + " queue(s): "
                        + d.target.describe());
                assertEquals(SIZE >> 9, d.params.basic().devSectors());
                int fd = Linux.open(d.node(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
                try (Arena arena = Arena.ofConfined()) {
                    int length = 1 << 20;
                    long at = (8L << 20) + queues * 4096L;
                    byte[] pattern = random(length, queues);
                    MemorySegment out = AlignedMemory.allocate(arena, length, 4096);
                    MemorySegment.copy(pattern, 0, out, ValueLayout.JAVA_BYTE, 0, length);
                    assertEquals(length, Linux.pwrite(fd, out, at));
                    Linux.fsync(fd);
                    assertArrayEquals("the backing file holds what was written", pattern,
                            fileBytes(file, at, length));

                    MemorySegment in = AlignedMemory.allocate(arena, length, 4096);
                    assertEquals(length, Linux.pread(fd, in, at));
                    assertArrayEquals(pattern, in.toArray(ValueLayout.JAVA_BYTE));
                } finally {
                    Linux.close(fd);
                }
            }
        }
    }

    @Test
    public void offsetAndReadOnly() throws Exception {
        Path file = backing(Path.of("target", "kernel-test").toAbsolutePath(), "loop-ro.img", SIZE);
        byte[] head = random(4096, 42);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(1 << 20);
            f.write(head);
        }
        try (var d = device(file, 1, Map.of("offset", "1M", "read-only", "true"))) {
            assertEquals((SIZE - (1 << 20)) >> 9, d.params.basic().devSectors());
            assertTrue((d.params.basic().attrs() & Params.ATTR_READ_ONLY) != 0);
            assertEquals("1", Files.readString(Path.of("/sys/block/ublkb" + d.device.id() + "/ro")).trim());
            int fd = Linux.open(d.node(), Linux.O_RDONLY | Linux.O_DIRECT | Linux.O_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment in = AlignedMemory.allocate(arena, 4096, 4096);
                assertEquals(4096, Linux.pread(fd, in, 0));
                assertArrayEquals(head, in.toArray(ValueLayout.JAVA_BYTE));
            } finally {
                Linux.close(fd);
            }
            // Linux lets a read-only disk be opened for writing; the write itself is refused.
            int rw = Linux.open(d.node(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                Linux.pwrite(rw, AlignedMemory.allocate(arena, 4096, 4096), 0);
                throw new AssertionError("a write to a read-only disk succeeded");
            } catch (ErrnoException expected) {
                assertTrue(expected.getMessage(), expected.error() == Errno.EPERM || expected.error() == Errno.EROFS);
            } finally {
                Linux.close(rw);
            }
            assertArrayEquals("the backing file is unchanged", head, fileBytes(file, 1 << 20, 4096));
        }
    }

    @Test
    public void discardAndZeroOutFreeTheBackingBlocks() throws Exception {
        // tmpfs in the VM punches holes (and does O_DIRECT from 6.6 on)
        Path file = backing(Files.createTempDirectory("loop"), "loop-discard.img", SIZE);
        try (var d = device(file, 1, Map.of())) {
            System.out.println("kernel " + System.getProperty("os.version") + ", discard test: "
                    + d.target.describe());
            assertNotNull("discard advertised", d.params.discard());
            long maxDiscard = Long.parseLong(Files.readString(
                    Path.of("/sys/block/ublkb" + d.device.id() + "/queue/discard_max_bytes")).trim());
            assertTrue("the disk takes discards: " + maxDiscard, maxDiscard > 0);
            int fd = Linux.open(d.node(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                int length = 4 << 20;
                MemorySegment out = AlignedMemory.allocate(arena, length, 4096);
                MemorySegment.copy(random(length, 1), 0, out, ValueLayout.JAVA_BYTE, 0, length);
                assertEquals(length, Linux.pwrite(fd, out, 0));
                Linux.fsync(fd);
                long written = blocks(file);
                assertTrue("the write allocated the file: " + written, written * 512 >= length);

                MemorySegment range = arena.allocate(16, 8);
                range.set(ValueLayout.JAVA_LONG, 0, 0);
                range.set(ValueLayout.JAVA_LONG, 8, length / 2);
                Linux.ioctl(fd, BLKDISCARD, range);
                long discarded = blocks(file);
                assertTrue("discard freed blocks: " + written + " -> " + discarded,
                        discarded * 512 <= written * 512 - length / 2);

                range.set(ValueLayout.JAVA_LONG, 0, length / 2);
                range.set(ValueLayout.JAVA_LONG, 8, length / 4);
                Linux.ioctl(fd, BLKZEROOUT, range);

                MemorySegment in = AlignedMemory.allocate(arena, length, 4096);
                in.fill((byte) 1);
                assertEquals(length, Linux.pread(fd, in, 0));
                byte[] back = in.toArray(ValueLayout.JAVA_BYTE);
                byte[] expected = out.toArray(ValueLayout.JAVA_BYTE);
                Arrays.fill(expected, 0, 3 * length / 4, (byte) 0);
                assertArrayEquals("discarded and zeroed ranges read as zeroes, the rest as written", expected, back);
                assertArrayEquals(expected, fileBytes(file, 0, length));
            } finally {
                Linux.close(fd);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    public void blockDeviceBackingGeometryAndExclusiveOpen() throws Exception {
        Path nullb = Path.of("/dev/nullb0");
        assumeTrue("null_blk did not load", !Files.exists(nullb)
                && runQuietly(List.of("modprobe", "null_blk", "nr_devices=1", "gb=1", "bs=4096")) == 0);
        try {
            for (int i = 0; i < 500 && !Files.exists(nullb); i++) {
                Thread.sleep(10);
            }
            assertTrue(nullb + " appeared", Files.exists(nullb));
            String rotational = Files.readString(Path.of("/sys/block/nullb0/queue/rotational")).trim();
            try (LoopTarget t = (LoopTarget) new LoopTargetFactory().open(new TargetOptions(Map.of("file",
                    nullb.toString())))) {
                System.out.println("kernel " + System.getProperty("os.version") + ", block device: " + t.describe());
                assertEquals(1L << 30, t.geometry().sizeBytes());
                assertEquals(4096, t.geometry().logicalBlockSize());
                assertEquals(4096, t.geometry().physicalBlockSize());
                assertEquals("1".equals(rotational), t.geometry().rotational());
                assertEquals(true, t.describe().get("blockDevice"));
                try {
                    new LoopTargetFactory().open(new TargetOptions(Map.of("file", nullb.toString()))).close();
                    throw new AssertionError("a block device held with O_EXCL was opened again");
                } catch (io.jublk.target.TargetException e) {
                    assertTrue(e.getMessage(), e.getMessage().contains("is busy"));
                }
            }
            try {
                new LoopTargetFactory().open(new TargetOptions(Map.of("file", nullb.toString(), "offset", "512")))
                        .close();
                throw new AssertionError("an offset inside a 4K block was taken");
            } catch (io.jublk.target.TargetException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("multiple of the logical block size 4096"));
            }
            try (var d = device(nullb, 1, Map.of())) {
                assertEquals("4096", Files.readString(Path.of("/sys/block/ublkb" + d.device.id()
                        + "/queue/logical_block_size")).trim());
                int fd = Linux.open(d.node(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = AlignedMemory.allocate(arena, 65536, 4096);
                    assertEquals(65536, Linux.pwrite(fd, buf, 1 << 20));
                    assertEquals(65536, Linux.pread(fd, buf, 1 << 20));
                    Linux.fsync(fd);
                } finally {
                    Linux.close(fd);
                }
            }
        } finally {
            runQuietly(List.of("modprobe", "-r", "null_blk"));
        }
    }

    @Test
    public void fioVerifiesRandomWrites() throws Exception {
        assumeTrue("fio not installed", Files.isExecutable(Path.of("/usr/bin/fio")));
        Path file = backing(Path.of("target", "kernel-test").toAbsolutePath(), "loop-fio.img", SIZE);
        try (var d = device(file, 2, Map.of())) {
            run(List.of("/usr/bin/fio", "--name=verify", "--filename=" + d.node(), "--rw=randwrite", "--bs=4k",
                    "--size=4M", "--direct=1", "--ioengine=io_uring", "--iodepth=16", "--verify=crc32c",
                    "--verify_fatal=1", "--do_verify=1",
                    "--verify_state_save=0"), 180);
        }
    }

    /**
     * The same with UBLK_F_BATCH_IO (7.0+: batch prep, commit and multishot fetch) on two queues at QD 64;
     * on a kernel without it, AUTO serves with per-tag commands and the flags say so.
     */
    @Test
    public void fioVerifiesRandomWritesWithBatchCommands() throws Exception {
        assumeTrue("fio not installed", Files.isExecutable(Path.of("/usr/bin/fio")));
        Path file = backing(Path.of("target", "kernel-test").toAbsolutePath(), "loop-batch.img", SIZE);
        try (var d = LiveDevice.open(new LoopTargetFactory(), LoopTarget.class, 2, Map.of("file", file.toString()),
                IoCommands.AUTO)) {
            long kernel = d.control.features();
            long flags = d.control.deviceInfo(d.device.id()).flags();
            System.out.println("kernel " + System.getProperty("os.version") + ", loop with AUTO commands: flags 0x"
                    + Long.toHexString(flags) + " " + Feature.decode(flags));
            assertEquals(Feature.BATCH_IO.in(kernel), Feature.BATCH_IO.in(flags));
            run(List.of("/usr/bin/fio", "--name=verify", "--filename=" + d.node(), "--rw=randwrite", "--bs=4k",
                    "--size=8M", "--direct=1", "--ioengine=io_uring", "--iodepth=64", "--numjobs=1",
                    "--verify=crc32c", "--verify_fatal=1", "--do_verify=1", "--verify_state_save=0"), 300);
            run(List.of("/usr/bin/fio", "--name=big", "--filename=" + d.node(), "--rw=randwrite", "--bs=512k",
                    "--size=16M", "--direct=1", "--ioengine=io_uring", "--iodepth=4", "--verify=crc32c",
                    "--verify_fatal=1", "--do_verify=1", "--verify_state_save=0"), 300);
        }
    }

    @Test
    public void mkfsAndFsck() throws Exception {
        Path mkfs = Path.of("/usr/sbin/mkfs.ext4");
        Path fsck = Path.of("/usr/sbin/fsck.ext4");
        assumeTrue("e2fsprogs not installed", Files.isExecutable(mkfs) && Files.isExecutable(fsck));
        // on the VM's /tmp (tmpfs): the disk takes discards, which mkfs.ext4 sends over the whole disk first
        Path file = backing(Files.createTempDirectory("loop"), "loop-ext4.img", SIZE);
        try {
            try (var d = device(file, 1, Map.of())) {
                assertNotNull("discard advertised", d.params.discard());
                run(List.of(mkfs.toString(), "-q", "-F", d.node()), 180);
                run(List.of(fsck.toString(), "-n", "-f", d.node()), 180);
            }
            // the file system is in the file: fsck it there too, without the device
            run(List.of(fsck.toString(), "-n", "-f", file.toString()), 180);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    static Path backing(Path dir, String name, long size) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(name);
        Files.deleteIfExists(file);
        Files.createFile(file);
        resize(file, size);
        return file;
    }

    private static int runQuietly(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            System.out.println(String.join(" ", command) + " -> " + rc + ": " + out);
        }
        return rc;
    }

    private static LiveDevice<LoopTarget> device(Path file, int queues, Map<String, String> extra) throws Exception {
        Map<String, String> options = new HashMap<>(extra);
        options.put("file", file.toString());
        return LiveDevice.open(new LoopTargetFactory(), LoopTarget.class, queues, options);
    }
}
