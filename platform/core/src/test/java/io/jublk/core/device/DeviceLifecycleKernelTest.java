package io.jublk.core.device;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;


import io.jublk.core.control.ControlClient;
import io.jublk.core.testing.UblkKernel;
import io.jublk.core.uapi.DeviceState;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import io.jublk.target.TargetOptions;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.Before;
import org.junit.Test;

/**
 * A real device on a real ublk kernel (the test VM): add, serve I/O through /dev/ublkbN, delete.
 * Skipped on a kernel without ublk.
 */
public class DeviceLifecycleKernelTest {
    private static final long SIZE = 64L << 20;

    @Before
    public void needsUblk() {
        UblkKernel.require();
    }

    @Test
    public void dataWrittenThroughTheDiskReachesTheTargetAndReadsBack() throws Exception {
        for (int queues : new int[] {1, 2}) {
            RamTarget target = new RamTarget(SIZE);
            try (ControlClient control = ControlClient.open()) {
                UblkDevice device = UblkDevice.create(control, spec(queues), target);
                int id = device.id();
                try {
                    assertEquals(DeviceState.LIVE, control.deviceInfo(id).state());
                    assertEquals(queues, device.queueThreadIds().length);
                    Params params = control.params(id);
                    assertEquals(SIZE >> 9, params.basic().devSectors());
                    assertTrue("devt filled in", params.devt() != null && params.devt().diskMajor() > 0);
                    assertTrue(Files.exists(UblkDevice.blockDevice(id)));
                    writeReadCompare(id, target);
                } finally {
                    device.delete(control);
                }
                assertFalse(Files.exists(UblkDevice.blockDevice(id)));
                try {
                    control.deviceInfo(id);
                    fail("device " + id + " still known to the kernel");
                } catch (ErrnoException e) {
                    assertEquals(Errno.ENODEV, e.error());
                }
            } finally {
                target.close();
            }
        }
    }

    @Test
    public void anIdInUseIsRefusedAndLeavesNothingBehind() throws Exception {
        RamTarget first = new RamTarget(SIZE);
        RamTarget second = new RamTarget(SIZE);
        try (ControlClient control = ControlClient.open()) {
            UblkDevice device = UblkDevice.create(control, spec(1), first);
            try {
                DeviceSpec same = new DeviceSpec(device.id(), 1, 32, DeviceSpec.DEFAULT_MAX_IO_BYTES,
                        RecoveryMode.NONE, "ram", TargetOptions.empty());
                try {
                    UblkDevice.create(control, same, second);
                    fail("a second device got id " + device.id());
                } catch (ErrnoException e) {
                    assertEquals(Errno.EEXIST, e.error());
                }
                assertEquals(DeviceState.LIVE, control.deviceInfo(device.id()).state());
            } finally {
                device.delete(control);
            }
        } finally {
            first.close();
            second.close();
        }
    }

    /** UPDATE_SIZE (6.16+) changes a live disk's capacity as its users see it, and I/O goes on. */
    @Test
    public void theKernelTakesANewSizeOfALiveDisk() throws Exception {
        RamTarget target = new RamTarget(SIZE);
        try (ControlClient control = ControlClient.open()) {
            assumeTrue("this kernel has no UPDATE_SIZE (6.16+)", Feature.UPDATE_SIZE.in(control.features()));
            UblkDevice device = UblkDevice.create(control, spec(1), target);
            int id = device.id();
            try {
                Path sysfsSize = Path.of("/sys/block/ublkb" + id + "/size");
                assertEquals(SIZE >> 9, Long.parseLong(Files.readString(sysfsSize).trim()));
                control.updateSize(id, (SIZE / 2) >> 9);
                assertEquals((SIZE / 2) >> 9, Long.parseLong(Files.readString(sysfsSize).trim()));
                assertEquals((SIZE / 2) >> 9, control.params(id).basic().devSectors());
                writeReadCompare(id, target); // within the smaller disk
                control.updateSize(id, SIZE >> 9);
                assertEquals(SIZE >> 9, Long.parseLong(Files.readString(sysfsSize).trim()));
            } finally {
                device.delete(control);
            }
        } finally {
            target.close();
        }
    }

    private static DeviceSpec spec(int queues) {
        return new DeviceSpec(-1, queues, 32, DeviceSpec.DEFAULT_MAX_IO_BYTES, RecoveryMode.NONE, "ram",
                TargetOptions.empty());
    }

    /** O_DIRECT, so the bytes really cross the kernel and the queue rather than the page cache. */
    private static void writeReadCompare(int id, RamTarget target) throws IOException {
        int fd = Linux.open(UblkDevice.blockDevice(id).toString(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            int length = 1 << 20;
            long offset = 8L << 20;
            MemorySegment out = AlignedMemory.allocate(arena, length, 4096);
            byte[] pattern = new byte[length];
            new Random(id).nextBytes(pattern);
            MemorySegment.copy(pattern, 0, out, ValueLayout.JAVA_BYTE, 0, length);
            assertEquals(length, Linux.pwrite(fd, out, offset));
            Linux.fsync(fd);
            byte[] stored = target.disk.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals("the target holds what was written", pattern, stored);

            // change the target behind the kernel's back: an O_DIRECT read must see it
            target.disk.asSlice(offset, 4096).fill((byte) 0x42);
            MemorySegment in = AlignedMemory.allocate(arena, 4096, 4096);
            assertEquals(4096, Linux.pread(fd, in, offset));
            assertEquals(0x42, in.get(ValueLayout.JAVA_BYTE, 4095));
        } finally {
            Linux.close(fd);
        }
    }
}
