package io.jublk.target.qcow2;

import io.jublk.core.control.ControlClient;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.device.UblkDevice;
import io.jublk.target.TargetOptions;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Random;

/**
 * The server that {@link Qcow2DeviceKernelTest} kills with SIGKILL: serves a qcow2 device over the image in
 * args[0] on two queues, prints {@code READY <id>}, then writes random blocks through the device (with an
 * fsync now and then) until it is killed.
 */
public final class KillChild {
    private KillChild() {
    }

    public static void main(String[] args) throws Exception {
        TargetOptions opts = new TargetOptions(Map.of("file", args[0]));
        Qcow2Target target = (Qcow2Target) new Qcow2TargetFactory().open(opts);
        ControlClient control = ControlClient.open();
        UblkDevice device = UblkDevice.create(control, new DeviceSpec(-1, 2, 32, DeviceSpec.DEFAULT_MAX_IO_BYTES,
                RecoveryMode.NONE, "qcow2", opts), target);
        System.out.println("READY " + device.id());
        System.out.flush();
        int fd = Linux.open(UblkDevice.blockDevice(device.id()).toString(),
                Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
        Random r = new Random(9);
        long blocks = target.geometry().sizeBytes() / 4096;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = AlignedMemory.allocate(arena, 65536, 4096);
            for (long i = 0; ; i++) {
                buf.fill((byte) i);
                int len = 4096 * (1 + r.nextInt(16));
                Linux.pwrite(fd, buf.asSlice(0, len), 4096L * r.nextLong(blocks - 16));
                if (i % 64 == 0) {
                    Linux.fsync(fd);
                }
            }
        }
    }
}
