package io.jublk.core.device;

import io.jublk.core.control.ControlClient;
import io.jublk.core.uapi.Params;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetFactory;
import io.jublk.uring.sys.ErrnoException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core's service: tracks target factories as they come and go (whiteboard), adds, lists and deletes
 * devices, and persists each device under the data folder before it goes live.
 */
@Component(service = UblkService.class, immediate = true)
public class DeviceManager implements UblkService {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceManager.class);

    private final Map<String, TargetFactory> factories = new ConcurrentHashMap<>();
    /** Guarded by this: changes of the device set are serialised. */
    private final Map<Integer, UblkDevice> devices = new TreeMap<>();
    private Path registry;

    @Activate
    void activate(BundleContext context) {
        String data = System.getProperty("karaf.data");
        Path base = data != null ? Path.of(data) : context.getDataFile("").toPath();
        registry = base.resolve("jublk").resolve("devices");
        LOG.info("jublk core started; device records in {}", registry);
    }

    @Deactivate
    synchronized void deactivate() {
        // Recovery across a core restart is not there yet: leave no device the kernel would keep waiting on.
        for (int id : new ArrayList<>(devices.keySet())) {
            try {
                delete(id);
            } catch (IOException e) {
                LOG.error("could not delete ublk device {} while stopping: {}", id, e.getMessage());
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTarget(TargetFactory factory) {
        TargetFactory previous = factories.put(factory.type(), factory);
        LOG.info("target type '{}' {}", factory.type(), previous == null ? "available" : "replaced");
    }

    void removeTarget(TargetFactory factory) {
        if (factories.remove(factory.type(), factory)) {
            LOG.info("target type '{}' gone", factory.type());
        }
    }

    @Override
    public long kernelFeatures() throws IOException {
        try (ControlClient control = ControlClient.open()) {
            return control.features();
        }
    }

    @Override
    public Collection<TargetFactory> targets() {
        return new TreeMap<>(factories).values();
    }

    @Override
    public synchronized DeviceStatus add(DeviceSpec spec) throws IOException {
        TargetFactory factory = factories.get(spec.targetType());
        if (factory == null) {
            throw new IOException("unknown target type '" + spec.targetType() + "' (available: "
                    + String.join(", ", new TreeMap<>(factories).keySet()) + ")");
        }
        if (spec.id() >= 0 && devices.containsKey(spec.id())) {
            throw new IOException("device " + spec.id() + " exists already");
        }
        Target target;
        try {
            target = factory.open(spec.options());
        } catch (TargetException e) {
            throw new IOException(spec.targetType() + ": " + e.getMessage(), e);
        }
        int[] recorded = {-1};
        try (ControlClient control = ControlClient.open()) {
            UblkDevice device = UblkDevice.create(control, spec, target, added -> {
                record(spec, added).writeTo(registry);
                recorded[0] = added.devId();
            });
            devices.put(device.id(), device);
            return status(control, device);
        } catch (IOException | RuntimeException e) {
            target.close();
            if (recorded[0] >= 0) {
                // the kernel device is gone again (UblkDevice.create undid it): so must its record be
                Files.deleteIfExists(DeviceRecord.file(registry, recorded[0]));
            }
            throw e;
        }
    }

    @Override
    public synchronized void delete(int id) throws IOException {
        UblkDevice device = devices.get(id);
        if (device == null) {
            throw new IOException("no device " + id + " served here");
        }
        try (ControlClient control = ControlClient.open()) {
            device.delete(control);
        }
        devices.remove(id);
        device.target().close();
        Files.deleteIfExists(DeviceRecord.file(registry, id));
    }

    @Override
    public synchronized List<DeviceStatus> list() throws IOException {
        List<DeviceStatus> out = new ArrayList<>();
        try (ControlClient control = ControlClient.open()) {
            for (UblkDevice device : devices.values()) {
                out.add(status(control, device));
            }
        }
        return out;
    }

    @Override
    public synchronized List<DeviceStatus> unserved() throws IOException {
        List<DeviceStatus> out = new ArrayList<>();
        try (ControlClient control = ControlClient.open()) {
            for (int id : KernelDevices.ids()) {
                if (devices.containsKey(id)) {
                    continue;
                }
                try {
                    out.add(new DeviceStatus(control.deviceInfo(id), params(control, id), null, null, new int[0]));
                } catch (ErrnoException e) {
                    LOG.debug("ublk device {} not listed: {}", id, e.getMessage()); // deleted meanwhile
                }
            }
        }
        return out;
    }

    private static DeviceStatus status(ControlClient control, UblkDevice device) throws ErrnoException {
        return new DeviceStatus(control.deviceInfo(device.id()), params(control, device.id()),
                device.spec().targetType(), device.target().describeJson(), device.queueThreadIds());
    }

    /** GET_PARAMS, or null when the kernel would not say (a device not started has no devt yet). */
    private static Params params(ControlClient control, int id) {
        try {
            return control.params(id);
        } catch (ErrnoException e) {
            return null;
        }
    }

    private static DeviceRecord record(DeviceSpec spec, io.jublk.core.uapi.DevInfo added) {
        return new DeviceRecord(added.devId(), spec.targetType(), spec.options(), added.queues(), added.queueDepth(),
                added.maxIoBufBytes(), added.flags());
    }
}
