package io.jublk.target.qcow2;

import io.jublk.core.control.ControlClient;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.device.UblkDevice;
import io.jublk.target.TargetOptions;
import java.util.Map;

/**
 * The server that {@link Qcow2DeviceKernelTest} kills with SIGKILL: serves a qcow2 device over the image in
 * args[0] on two queues, prints {@code READY <id>}, and serves until it is killed. (It must not write to its
 * own device itself: a process blocked on its own ublk disk cannot be killed cleanly.)
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
        // serve until killed: the writer is another process, as it would be for a real disk
        Thread.sleep(Long.MAX_VALUE);
    }
}
