package io.jublk.core.device;

import io.jublk.core.control.ControlClient;
import io.jublk.target.Target;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The delete sequences: of a device this server serves, and of one it does not (left by a previous server). */
final class DeviceDeletion {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceDeletion.class);

    private DeviceDeletion() {
    }

    /** Deletes the device {@code m} serves; its target is closed once every queue thread has let go. */
    static void served(ManagedDevice m) throws IOException {
        UblkDevice device = m.device;
        try (ControlClient control = ControlClient.open()) {
            device.delete(control);
        }
        m.device = null;
        Target target = device.target();
        if (target != null && device.queuesLetGo()) {
            target.close();
        } else if (target != null) {
            LOG.error("the target of deleted ublk device {} is kept open: a queue thread did not end", m.id());
        }
    }

    /**
     * A device no thread of ours serves (left by a previous server): STOP_DEV fails its waiting I/O, then
     * DEL_DEV_ASYNC where the kernel has it, since a hung earlier server that still holds /dev/ublkcN would
     * block DEL_DEV, and with it the console, for as long as it lives.
     */
    static void unserved(ControlClient control, int id) throws IOException {
        try {
            control.stopDevice(id);
            control.deleteDeviceWithoutWaiting(id);
        } catch (ErrnoException e) {
            if (e.error() != Errno.ENODEV) {
                throw e;
            }
        }
        LOG.info("ublk device {} (not served) deleted", id);
    }
}
