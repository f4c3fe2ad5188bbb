package io.jublk.core.device;

import io.jublk.core.control.ControlClient;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The take-over of recorded devices: each record whose device the kernel still has, marked as jublk's, becomes a
 * managed device, served again through user recovery where it has it; stale records are forgotten.
 */
final class RecordedDevices {
    private static final Logger LOG = LoggerFactory.getLogger(RecordedDevices.class);

    private final DeviceRegistry devices;
    private final ServingAgain serving;
    private final StartRecovery startRecovery;

    RecordedDevices(DeviceRegistry devices, ServingAgain serving, StartRecovery startRecovery) {
        this.devices = devices;
        this.serving = serving;
        this.startRecovery = startRecovery;
    }

    /** On activation: every recorded device the kernel still has is taken over, or waits for its target type. */
    void takeOverAll() {
        Path registry = devices.folder();
        List<Path> files;
        try {
            files = DeviceRecord.files(registry);
        } catch (IOException e) {
            LOG.error("cannot list device records in {}: {}", registry, e.getMessage());
            startRecovery.recordsRead(0);
            return;
        }
        if (!files.isEmpty()) {
            try (ControlClient control = ControlClient.open()) {
                for (Path file : files) {
                    takeOver(control, file);
                }
            } catch (IOException e) {
                LOG.error("{} recorded device(s) not taken over: {}", files.size(), e.getMessage());
            }
        }
        startRecovery.recordsRead(files.size());
    }

    void takeOver(ControlClient control, Path file) {
        DeviceRecord record;
        try {
            record = DeviceRecord.read(file);
        } catch (IOException e) {
            LOG.error("{}; left as it is", e.getMessage());
            return;
        }
        DevInfo info;
        try {
            info = control.deviceInfo(record.id());
        } catch (ErrnoException e) {
            if (e.error() == Errno.ENODEV) {
                LOG.info("recorded ublk device {} no longer exists in the kernel; forgetting it", record.id());
                devices.deleteRecord(record.id());
            } else {
                LOG.error("recorded ublk device {}: {}", record.id(), e.getMessage());
            }
            return;
        }
        if (info.serverFlags() != UblkDevice.SERVER_MARK) {
            LOG.warn("ublk device {} is not jublk's now (server flags 0x{}); forgetting the old record",
                    record.id(), Long.toHexString(info.serverFlags()));
            devices.deleteRecord(record.id());
            return;
        }
        boolean recoverable = Feature.USER_RECOVERY.in(info.flags());
        ManagedDevice m = new ManagedDevice(record, recoverable ? ServiceState.RECOVERABLE : ServiceState.ORPHANED,
                recoverable ? "waiting for a '" + record.targetType() + "' target" : "added without user recovery");
        if (!devices.putIfAbsent(m)) {
            return;
        }
        if (recoverable) {
            LOG.info("ublk device {} ({}) was left by a previous server; taking it over", record.id(), info.state());
            startRecovery.pending(record.id());
            serving.later(m, 0);
        } else {
            LOG.warn("ublk device {} was left by a previous server without user recovery; delete it", record.id());
        }
    }
}
