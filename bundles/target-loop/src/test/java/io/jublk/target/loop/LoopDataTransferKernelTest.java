package io.jublk.target.loop;

import static io.jublk.target.loop.LoopTargetTest.fileBytes;
import static io.jublk.target.loop.LoopTargetTest.random;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeFalse;
import static org.junit.Assume.assumeTrue;

import io.jublk.core.control.ControlClient;
import io.jublk.core.device.DataTransfer;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.device.UblkDevice;
import io.jublk.core.uapi.Feature;
import io.jublk.target.DiskGeometry;
import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.testkit.Commands;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Before;
import org.junit.Test;

/**
 * How data moves between the kernel and the loop target, on a real ublk kernel (the test VM, both kernels):
 * zero copy (UBLK_F_AUTO_BUF_REG, 7.2) where the kernel has it and copy mode where it does not (6.12),
 * USER_COPY when asked for, and the fallback of zero copy to USER_COPY for requests whose pages the kernel
 * cannot register. Each reads the accepted flags back with GET_DEV_INFO, counts how the target saw the data
 * (registered buffer or copy buffer), and lets fio write and verify (crc32c) through the disk.
 */
public class LoopDataTransferKernelTest {
    private static final long SIZE = 64L << 20;
    private static final Path CONTROL = Path.of("/dev/ublk-control");

    private long kernelFeatures;

    @Before
    public void needsUblk() throws IOException {
        if (Boolean.getBoolean("jublk.expect.ublk")) {
            assertTrue("no " + CONTROL + " on the ublk host", Files.exists(CONTROL));
        } else {
            assumeTrue("no ublk driver on this kernel", Files.exists(CONTROL));
        }
        try (ControlClient control = ControlClient.open()) {
            kernelFeatures = control.features();
        }
    }

    @Test
    public void zeroCopyWhereTheKernelHasIt() throws Exception {
        assumeTrue("this kernel has no AUTO_BUF_REG (6.16+)", Feature.AUTO_BUF_REG.in(kernelFeatures));
        try (Device d = new Device("loop-zc.img", DataTransfer.AUTO, 0)) {
            assertTrue("AUTO_BUF_REG accepted: " + d.flagNames(), Feature.AUTO_BUF_REG.in(d.flags));
            assertTrue("USER_COPY beside it for the fallback: " + d.flagNames(), Feature.USER_COPY.in(d.flags));
            d.fioVerify();
            d.writeReadCompare();
            d.readsPastAShrunkEndGiveZeroes();
            assertTrue("the target served from registered buffers: " + d.counts(), d.registered.get() > 0);
            assertEquals("no request came in a copy buffer: " + d.counts(), 0, d.copied.get());
        }
    }

    @Test
    public void zeroCopyFallsBackToCopyModeWithoutAutoBufReg() throws Exception {
        assumeFalse("this kernel has AUTO_BUF_REG", Feature.AUTO_BUF_REG.in(kernelFeatures));
        try (Device d = new Device("loop-nozc.img", DataTransfer.AUTO, 0)) {
            assertFalse("no AUTO_BUF_REG: " + d.flagNames(), Feature.AUTO_BUF_REG.in(d.flags));
            assertFalse("copy mode, not USER_COPY: " + d.flagNames(), Feature.USER_COPY.in(d.flags));
            d.fioVerify();
            d.writeReadCompare();
            assertEquals("no registered buffer: " + d.counts(), 0, d.registered.get());
            assertTrue(d.counts(), d.copied.get() > 0);
        }
    }

    @Test
    public void copyModeWhenAskedFor() throws Exception {
        try (Device d = new Device("loop-copy.img", DataTransfer.COPY, 0)) {
            assertFalse(d.flagNames(), Feature.AUTO_BUF_REG.in(d.flags) || Feature.USER_COPY.in(d.flags));
            d.writeReadCompare();
            d.readsPastAShrunkEndGiveZeroes();
            assertEquals(d.counts(), 0, d.registered.get());
        }
    }

    @Test
    public void userCopy() throws Exception {
        try (Device d = new Device("loop-uc.img", DataTransfer.USER_COPY, 0)) {
            assertTrue("USER_COPY accepted: " + d.flagNames(), Feature.USER_COPY.in(d.flags));
            assertFalse("no AUTO_BUF_REG: " + d.flagNames(), Feature.AUTO_BUF_REG.in(d.flags));
            d.fioVerify();
            d.writeReadCompare();
            assertEquals("no registered buffer: " + d.counts(), 0, d.registered.get());
            assertTrue(d.counts(), d.copied.get() > 0);
        }
    }

    /**
     * The target puts buffers of its own into the table slots of every other tag, so the kernel cannot put a
     * request's pages there: it delivers those requests flagged NEED_REG_BUF (the fallback jublk asks for),
     * and the queue serves them through USER_COPY.
     */
    @Test
    public void requestsTheKernelCannotRegisterFallBackToUserCopy() throws Exception {
        assumeTrue("this kernel has no AUTO_BUF_REG (6.16+)", Feature.AUTO_BUF_REG.in(kernelFeatures));
        try (Device d = new Device("loop-zc-fallback.img", DataTransfer.AUTO, 2)) {
            assertTrue(d.flagNames(), Feature.AUTO_BUF_REG.in(d.flags) && Feature.USER_COPY.in(d.flags));
            d.fioVerify();
            d.writeReadCompare();
            assertTrue("some requests came in registered buffers: " + d.counts(), d.registered.get() > 0);
            assertTrue("some fell back to the copy buffer: " + d.counts(), d.copied.get() > 0);
        }
    }

    /**
     * A target that takes no registered buffers on a device made with zero copy (as one that replaced the
     * target the device was made for): the queue copies its data through USER_COPY instead.
     */
    @Test
    public void aTargetWithoutRegisteredBuffersOnAZeroCopyDeviceGetsUserCopy() throws Exception {
        assumeTrue("this kernel has no AUTO_BUF_REG (6.16+)", Feature.AUTO_BUF_REG.in(kernelFeatures));
        try (Device d = new Device("loop-zc-swapped.img", DataTransfer.AUTO, -1)) {
            assertTrue(d.flagNames(), Feature.AUTO_BUF_REG.in(d.flags) && Feature.USER_COPY.in(d.flags));
            d.fioVerify();
            d.writeReadCompare();
            assertEquals("no registered buffer: " + d.counts(), 0, d.registered.get());
            assertTrue(d.counts(), d.copied.get() > 0);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** A live loop device over a fresh backing file, its target wrapped to count how data arrived. */
    private final class Device implements AutoCloseable {
        final Path file;
        final LoopTarget loop;
        final ControlClient control;
        final UblkDevice device;
        final long flags;
        final AtomicLong registered = new AtomicLong();
        final AtomicLong copied = new AtomicLong();

        /**
         * @param occupyEvery when above 0, the target fills the buffer-table slot of every such tag itself; -1:
         *                    the target says it takes registered buffers when the device is made, not after
         */
        Device(String name, DataTransfer transfer, int occupyEvery) throws Exception {
            file = LoopDeviceKernelTest.backing(Path.of("target", "kernel-test").toAbsolutePath(), name, SIZE);
            TargetOptions opts = new TargetOptions(Map.of("file", file.toString()));
            loop = (LoopTarget) new LoopTargetFactory().open(opts);
            ControlClient c = null;
            try {
                c = ControlClient.open();
                device = UblkDevice.create(c, new DeviceSpec(-1, 2, 32, DeviceSpec.DEFAULT_MAX_IO_BYTES,
                        RecoveryMode.NONE, "loop", opts, transfer), new Counting(occupyEvery));
                control = c;
            } catch (Exception | Error e) {
                if (c != null) {
                    c.close();
                }
                loop.close();
                throw e;
            }
            flags = control.deviceInfo(device.id()).flags(); // read back, never assumed
            System.out.println("kernel " + System.getProperty("os.version") + ", " + transfer
                    + (occupyEvery > 0 ? " (slots of every " + occupyEvery + ". tag taken)" : "")
                    + (occupyEvery < 0 ? " (the target takes no registered buffers after the add)" : "")
                    + ": device flags " + flagNames());
        }

        String node() {
            return UblkDevice.blockDevice(device.id()).toString();
        }

        String flagNames() {
            return "0x" + Long.toHexString(flags) + " " + Feature.decode(flags);
        }

        String counts() {
            return registered.get() + " in registered buffers, " + copied.get() + " in copy buffers";
        }

        /** fio random writes of 4K to 512K, each block verified (crc32c) when read back. */
        void fioVerify() throws Exception {
            assumeTrue("fio not installed", Files.isExecutable(Path.of("/usr/bin/fio")));
            Commands.run(List.of("/usr/bin/fio", "--name=verify", "--filename=" + node(), "--rw=randwrite",
                    "--bsrange=4k-512k", "--size=8M", "--direct=1", "--ioengine=io_uring", "--iodepth=16",
                    "--verify=crc32c", "--verify_fatal=1", "--do_verify=1", "--verify_state_save=0"), 300);
            System.out.println("  after fio: " + counts());
        }

        /** 1 MiB through the disk: the backing file holds it, and it reads back. */
        void writeReadCompare() throws IOException {
            int fd = Linux.open(node(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                int length = 1 << 20;
                long at = 32L << 20;
                byte[] pattern = random(length, device.id() + 7);
                MemorySegment out = AlignedMemory.allocate(arena, length, 4096);
                MemorySegment.copy(pattern, 0, out, ValueLayout.JAVA_BYTE, 0, length);
                assertEquals(length, Linux.pwrite(fd, out, at));
                Linux.fsync(fd);
                assertArrayEquals("the backing file holds what was written", pattern, fileBytes(file, at, length));
                MemorySegment in = AlignedMemory.allocate(arena, length, 4096);
                assertEquals(length, Linux.pread(fd, in, at));
                assertArrayEquals("it reads back", pattern, in.toArray(ValueLayout.JAVA_BYTE));
            } finally {
                Linux.close(fd);
            }
        }

        /** The backing file loses its last 16 MiB under the disk: reads there return zeroes, before it the data. */
        void readsPastAShrunkEndGiveZeroes() throws IOException {
            long end = SIZE - (16L << 20);
            int half = 256 << 10;
            byte[] before = fileBytes(file, end - half, half);
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(end);
            }
            int fd = Linux.open(node(), Linux.O_RDONLY | Linux.O_DIRECT | Linux.O_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment in = AlignedMemory.allocate(arena, 2 * half, 4096);
                in.fill((byte) 0x5a);
                assertEquals(2 * half, Linux.pread(fd, in, end - half));
                assertArrayEquals("the data before the end", before, in.asSlice(0, half).toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals("zeroes past it", new byte[half], in.asSlice(half, half).toArray(ValueLayout.JAVA_BYTE));
            } finally {
                Linux.close(fd);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                device.delete(control);
            } finally {
                control.close();
                loop.close();
                Files.deleteIfExists(file);
            }
        }

        /** The loop target, counting on each queue how READ and WRITE data arrive. */
        private final class Counting implements Target {
            private final int occupyEvery;
            private final AtomicLong asked = new AtomicLong();

            Counting(int occupyEvery) {
                this.occupyEvery = occupyEvery;
            }

            @Override
            public DiskGeometry geometry() {
                return loop.geometry();
            }

            @Override
            public boolean acceptsRegisteredBuffers() {
                return (occupyEvery >= 0 || asked.getAndIncrement() == 0) && loop.acceptsRegisteredBuffers();
            }

            @Override
            public TargetQueue openQueue(QueueContext queue) throws TargetException {
                if (occupyEvery > 0) {
                    occupy(queue.ring(), queue.queueDepth());
                }
                TargetQueue inner = loop.openQueue(queue);
                return new TargetQueue() {
                    @Override
                    public void submit(IoRequest request) {
                        if (request.operation() == IoOperation.READ || request.operation() == IoOperation.WRITE) {
                            (request.bufferIndex() == IoRequest.IN_BUFFER ? copied : registered).incrementAndGet();
                        }
                        inner.submit(request);
                    }

                    @Override
                    public void onCompletion(long cookie, int res, int flags) {
                        inner.onCompletion(cookie, res, flags);
                    }

                    @Override
                    public void close() {
                        inner.close();
                    }
                };
            }

            private void occupy(Ring ring, int depth) throws TargetException {
                try {
                    for (int tag = 0; tag < depth; tag += occupyEvery) {
                        ring.updateRegisteredBuffer(tag, ring.allocateBuffer(4096));
                    }
                } catch (ErrnoException e) {
                    throw new TargetException("could not fill buffer slots: " + e.getMessage(), e);
                }
            }

            @Override
            public java.util.Map<String, Object> describe() {
                return loop.describe();
            }

            @Override
            public void close() {
            }
        }
    }
}
