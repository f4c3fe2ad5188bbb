package io.jublk.core.device;

import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Once a second: replace targets that sit on a request too long; apply fail-after. */
final class Watchdog implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

    private final DeviceRegistry devices;
    private final UblkDevice.FailureListener failures;

    Watchdog(DeviceRegistry devices, UblkDevice.FailureListener failures) {
        this.devices = devices;
        this.failures = failures;
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        for (ManagedDevice m : devices.snapshot()) {
            UblkDevice device = m.device;
            if (device == null) {
                continue;
            }
            HoldPolicy hold = m.record.hold();
            long oldest = device.oldestTargetRequestNanos();
            if (m.state == ServiceState.SERVING && oldest != 0 && now - oldest > hold.targetTimeout().toNanos()) {
                failures.targetFailed(device, new TimeoutException("a request waited more than "
                        + hold.targetTimeout().toSeconds() + " s for the target"));
            }
            if (m.state == ServiceState.WAITING_FOR_TARGET && hold.failsHeldRequests()
                    && now - m.heldSince > hold.failAfter().toNanos()) {
                synchronized (m) {
                    if (m.state == ServiceState.WAITING_FOR_TARGET && m.device != null) {
                        m.device.failHeldRequests();
                        m.state = ServiceState.FAILING_IO;
                        LOG.warn("ublk device {}: no target for {} s; its I/O now fails with EIO", m.id(),
                                hold.failAfter().toSeconds());
                    }
                }
            }
        }
    }
}
