package io.jublk.core.device;

import io.jublk.core.control.ControlClient;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import io.jublk.target.Target;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import java.io.IOException;

/**
 * The control-command side of taking a device over from a server that went away ({@link UblkDevice#recover}):
 * whether this device may be served again by this target, and START_USER_RECOVERY once the kernel has
 * quiesced it. The queues and END_USER_RECOVERY are the device's.
 */
final class UserRecovery {
    /** START_USER_RECOVERY says EBUSY until the kernel has quiesced the device: up to the 30 s request timeout. */
    private static final long RECOVERY_BUSY_MILLIS = 45_000;

    private UserRecovery() {
    }

    /**
     * Checks that device {@code spec.id()} is jublk's, was added with user recovery and fits {@code target}, then
     * sends START_USER_RECOVERY (retried while the kernel is still quiescing it). Returns the device as found.
     */
    static DevInfo takeOver(ControlClient control, DeviceSpec spec, Target target) throws IOException {
        int id = spec.id();
        DevInfo found = control.deviceInfo(id);
        if (found.serverFlags() != UblkDevice.SERVER_MARK) {
            throw new IOException("device " + id + " was not made by jublk (server flags 0x"
                    + Long.toHexString(found.serverFlags()) + ")");
        }
        if (!Feature.USER_RECOVERY.in(found.flags())) {
            throw new IOException("device " + id + " was added without user recovery; it cannot be served again"
                    + " (delete it)");
        }
        long sizeBytes = control.params(id).basic().devSectors() << 9;
        if (target.geometry().sizeBytes() != sizeBytes) {
            throw new IOException("device " + id + " has " + sizeBytes + " bytes but its " + spec.targetType()
                    + " target now offers " + target.geometry().sizeBytes());
        }
        if (!DeviceFlags.reachesData(found.flags(), target)) {
            throw new IOException("device " + id + " runs zero copy without USER_COPY, which its "
                    + spec.targetType() + " target now does not take");
        }
        startWhenQuiesced(control, id);
        return found;
    }

    private static void startWhenQuiesced(ControlClient control, int id) throws IOException {
        long deadline = System.currentTimeMillis() + RECOVERY_BUSY_MILLIS;
        while (true) {
            try {
                control.startUserRecovery(id);
                return;
            } catch (ErrnoException e) {
                if (e.error() != Errno.EBUSY || System.currentTimeMillis() > deadline) {
                    throw new IOException("START_USER_RECOVERY of device " + id + " (state "
                            + control.deviceInfo(id).state() + "): " + e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }
}
