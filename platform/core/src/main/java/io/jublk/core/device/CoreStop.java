package io.jublk.core.device;

import io.jublk.core.uapi.Feature;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core stopping (bundle stop, restart or update): devices with user recovery are released for the next core
 * (suspend, drain, QUIESCE_DEV or queue close: {@link UblkDevice#release}; they wait QUIESCED in the kernel, their
 * I/O held); the others are deleted, since the kernel would fail their I/O anyway. All at once, each on a thread
 * of its own ({@code jublk-release-N}, under the device's monitor), so one device's hung target does not add its
 * drain limit to the pause of the others.
 */
final class CoreStop {
    private static final Logger LOG = LoggerFactory.getLogger(CoreStop.class);

    private CoreStop() {
    }

    /** Releases or deletes every device of {@code devices}; returns once each has ended: the core's code must stay. */
    static void releaseAll(List<ManagedDevice> devices, Duration drainLimit) {
        DeviceThreads.eachAtOnce("jublk-release", "releasing or deleting", devices, m -> releaseOne(m, drainLimit));
    }

    private static void releaseOne(ManagedDevice m, Duration drainLimit) {
        synchronized (m) {
            UblkDevice device = m.device;
            if (device == null) {
                return;
            }
            if (Feature.USER_RECOVERY.in(device.info().flags())) {
                device.release(drainLimit);
                m.device = null;
            } else {
                try {
                    DeviceDeletion.served(m);
                } catch (IOException e) {
                    LOG.error("could not delete ublk device {} while stopping: {}", m.id(), e.getMessage());
                }
            }
        }
    }
}
