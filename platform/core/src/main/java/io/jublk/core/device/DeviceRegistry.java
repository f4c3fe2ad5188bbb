package io.jublk.core.device;

import io.jublk.core.uapi.DevInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry: the devices this core is responsible for, and the folder of their records (one file a device,
 * written before it goes live, so that the next core can take it over).
 */
final class DeviceRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceRegistry.class);

    /** Guarded by itself: the set of devices; each device's changes are guarded by its own monitor. */
    private final Map<Integer, ManagedDevice> devices = new TreeMap<>();
    private volatile Path folder;

    /** Where the records are; set at activation. */
    void folder(Path recordFolder) {
        folder = recordFolder;
    }

    Path folder() {
        return folder;
    }

    List<ManagedDevice> snapshot() {
        synchronized (devices) {
            return new ArrayList<>(devices.values());
        }
    }

    ManagedDevice managed(int id) {
        synchronized (devices) {
            return devices.get(id);
        }
    }

    /** Adds {@code m}; false when a device with its id is there already. */
    boolean putIfAbsent(ManagedDevice m) {
        synchronized (devices) {
            return devices.putIfAbsent(m.id(), m) == null;
        }
    }

    void remove(int id) {
        synchronized (devices) {
            devices.remove(id);
        }
    }

    void remove(ManagedDevice m) {
        synchronized (devices) {
            devices.remove(m.id(), m);
        }
    }

    void deleteRecord(int id) {
        try {
            Files.deleteIfExists(DeviceRecord.file(folder, id));
        } catch (IOException e) {
            LOG.error("could not delete the record of ublk device {}: {}", id, e.getMessage());
        }
    }

    static DeviceRecord record(DeviceSpec spec, DevInfo added) {
        return new DeviceRecord(added.devId(), spec.targetType(), spec.options(), added.queues(), added.queueDepth(),
                added.maxIoBufBytes(), added.flags(), spec.hold());
    }
}
