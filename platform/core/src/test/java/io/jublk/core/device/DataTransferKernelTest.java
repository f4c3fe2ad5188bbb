package io.jublk.core.device;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jublk.core.control.ControlClient;
import io.jublk.core.testing.UblkKernel;
import io.jublk.core.uapi.Feature;
import io.jublk.target.TargetOptions;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.Before;
import org.junit.Test;

/**
 * The data transfers of the queue runtime on a real ublk kernel (the test VM, both kernels), with a target
 * that keeps the disk in memory: USER_COPY, copy mode for a target that takes no registered buffers even
 * where the kernel has zero copy, and zero copy with some requests moved to memory on the target's request. The flags are read back from the kernel (GET_DEV_INFO).
 */
public class DataTransferKernelTest {
    private static final long SIZE = 64L << 20;

    @Before
    public void needsUblk() {
        UblkKernel.require();
    }

    @Test
    public void userCopyMovesTheDataThroughTheCharacterDevice() throws Exception {
        RamTarget target = new RamTarget(SIZE);
        try (ControlClient control = ControlClient.open()) {
            UblkDevice device = UblkDevice.create(control, spec(DataTransfer.USER_COPY), target);
            try {
                long flags = control.deviceInfo(device.id()).flags();
                System.out.println("kernel " + System.getProperty("os.version") + ", USER_COPY: flags 0x"
                        + Long.toHexString(flags) + " " + Feature.decode(flags));
                assertTrue(Long.toHexString(flags), Feature.USER_COPY.in(flags));
                assertFalse(Long.toHexString(flags), Feature.AUTO_BUF_REG.in(flags));
                writeReadCompare(device.id(), target.disk);
            } finally {
                device.delete(control);
            }
        } finally {
            target.close();
        }
    }

    /**
     * Zero copy where the kernel has it, and a target that serves some requests in its registered buffers and
     * asks for the others' data in memory (IoRequest.moveDataToBuffer): both kinds move the right bytes.
     */
    @Test
    public void aZeroCopyTargetCanTakeSomeRequestsInMemory() throws Exception {
        SplitTarget target = new SplitTarget(SIZE);
        try (ControlClient control = ControlClient.open()) {
            UblkDevice device = UblkDevice.create(control, spec(DataTransfer.AUTO), target);
            try {
                long flags = control.deviceInfo(device.id()).flags();
                writeReadCompare(device.id(), target.disk);
                System.out.println("kernel " + System.getProperty("os.version") + ", flags 0x"
                        + Long.toHexString(flags) + ": " + target.fixedOperations + " fixed-buffer operations, "
                        + target.movedToBuffer + " requests moved to their buffer, " + target.servedInMemory
                        + " served in memory");
                if (Feature.AUTO_BUF_REG.in(flags)) {
                    assertTrue(Long.toHexString(flags), Feature.USER_COPY.in(flags));
                    assertTrue("fixed-buffer operations", target.fixedOperations.get() > 0);
                    assertTrue("requests moved to their buffer", target.movedToBuffer.get() > 0);
                    assertEquals(target.movedToBuffer.get(), target.servedInMemory.get());
                } else {
                    assertEquals(0, target.fixedOperations.get());
                    assertTrue(target.servedInMemory.get() > 0);
                }
            } finally {
                device.delete(control);
            }
        } finally {
            target.close();
        }
    }

    @Test
    public void aTargetWithoutRegisteredBuffersGetsCopyMode() throws Exception {
        RamTarget target = new RamTarget(SIZE);
        try (ControlClient control = ControlClient.open()) {
            UblkDevice device = UblkDevice.create(control, spec(DataTransfer.AUTO), target);
            try {
                long flags = control.deviceInfo(device.id()).flags();
                assertFalse(Long.toHexString(flags), Feature.AUTO_BUF_REG.in(flags));
                assertFalse(Long.toHexString(flags), Feature.USER_COPY.in(flags));
                writeReadCompare(device.id(), target.disk);
            } finally {
                device.delete(control);
            }
        } finally {
            target.close();
        }
    }

    private static DeviceSpec spec(DataTransfer transfer) {
        return new DeviceSpec(-1, 2, 32, DeviceSpec.DEFAULT_MAX_IO_BYTES, RecoveryMode.NONE, "ram",
                TargetOptions.empty(), transfer);
    }

    /** O_DIRECT writes and reads of 4 KiB to 512 KiB: the target holds what was written, reads see the target. */
    static void writeReadCompare(int id, MemorySegment disk) throws IOException {
        int fd = Linux.open(UblkDevice.blockDevice(id).toString(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            Random random = new Random(id);
            long offset = 1L << 20;
            for (int length = 4096; length <= DeviceSpec.DEFAULT_MAX_IO_BYTES; length *= 2) {
                byte[] pattern = new byte[length];
                random.nextBytes(pattern);
                MemorySegment out = AlignedMemory.allocate(arena, length, 4096);
                MemorySegment.copy(pattern, 0, out, ValueLayout.JAVA_BYTE, 0, length);
                assertEquals(length, Linux.pwrite(fd, out, offset));
                Linux.fsync(fd);
                assertArrayEquals("the target holds " + length + " bytes written", pattern,
                        disk.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
                disk.asSlice(offset, length).fill((byte) (length >> 12));
                MemorySegment in = AlignedMemory.allocate(arena, length, 4096);
                assertEquals(length, Linux.pread(fd, in, offset));
                assertEquals(-1, in.mismatch(disk.asSlice(offset, length)));
                offset += 2L * length;
            }
        } finally {
            Linux.close(fd);
        }
    }
}
