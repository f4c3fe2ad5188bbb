package io.jublk.core.device;

import io.jublk.core.control.ControlClient;
import io.jublk.core.uapi.DevInfo;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core's service: tracks target factories as they come and go (whiteboard), adds, lists and deletes
 * devices, persists each device before it goes live, and keeps devices alive across the loss of their
 * target (held I/O, handed to the replacement) and of the core itself (user recovery on the next start).
 */
@Component(service = UblkService.class, immediate = true, configurationPid = CoreConfig.PID)
public class DeviceManager implements UblkService {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceManager.class);
    private static final long RECOVER_WAIT_SECONDS = 120;

    private final TargetFactories factories = new TargetFactories();
    private final DeviceRegistry devices = new DeviceRegistry();
    private ScheduledExecutorService worker;
    /** The defaults of {@code etc/io.jublk.core.cfg}; replaced whole when it changes. */
    private volatile CoreConfig config = CoreConfig.DEFAULT;
    /** The recovery of the devices recorded at start; replaced at each activation. */
    private volatile StartRecovery startRecovery = new StartRecovery();
    /** The worker's retries and recoveries; replaced at each activation. */
    private volatile ServingAgain serving;
    /** The take-over of recorded devices (at start, and by adopt); replaced at each activation. */
    private volatile RecordedDevices recorded;

    void activate(BundleContext context) {
        activate(context, Map.of());
    }

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        config = configured(properties, CoreConfig.DEFAULT);
        String data = System.getProperty("karaf.data");
        Path base = data != null ? Path.of(data) : context.getDataFile("").toPath();
        devices.folder(config.recordFolder() != null ? config.recordFolder()
                : base.resolve("jublk").resolve("devices"));
        worker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("jublk-devices")
                .daemon(true).unstarted(r));
        LOG.info("jublk core started; device records in {}", devices.folder());
        startRecovery = new StartRecovery();
        serving = new ServingAgain(worker, devices, factories, this::defaults, startRecovery);
        recorded = new RecordedDevices(devices, serving, startRecovery);
        startRecovery.publish(context);
        worker.execute(recorded::takeOverAll);
        worker.scheduleWithFixedDelay(surviving("device watchdog", new Watchdog(devices, serving.failures)), 1, 1,
                TimeUnit.SECONDS);
    }

    /** {@code etc/io.jublk.core.cfg} changed: new defaults from now on (the record folder at the next start). */
    @Modified
    void modified(Map<String, Object> properties) {
        CoreConfig before = config;
        config = configured(properties, before);
        if (config.metrics() != before.metrics()) {
            for (ManagedDevice m : devices.snapshot()) {
                UblkDevice device = m.device;
                if (device != null) {
                    device.enableCounters(config.metrics());
                }
            }
        }
        if (config != before && !java.util.Objects.equals(config.recordFolder(), before.recordFolder())) {
            LOG.info("{}: the new recordFolder applies at the next start; records stay in {}", CoreConfig.PID,
                    devices.folder());
        }
    }

    /** The configuration's defaults, or {@code previous} (with one line in the log) when it is bad. */
    static CoreConfig configured(Map<String, ?> properties, CoreConfig previous) {
        try {
            CoreConfig c = CoreConfig.of(properties);
            if (!c.equals(previous)) {
                LOG.info("{}: {}", CoreConfig.PID, c);
            }
            return c;
        } catch (IllegalArgumentException e) {
            LOG.warn("{}{}: {}; keeping the settings in force", CoreConfig.PID,
                    properties.get("felix.fileinstall.filename") != null
                            ? " (" + properties.get("felix.fileinstall.filename") + ")" : "", e.getMessage());
            return previous;
        }
    }

    @Override
    public CoreConfig defaults() {
        return config;
    }

    /**
     * Devices with user recovery are released for the next core (they wait QUIESCED in the kernel, their
     * I/O held); the others are deleted, since the kernel would fail their I/O anyway. All at once
     * ({@link CoreStop}); this returns once every device is done, while the core's code is still there.
     */
    @Deactivate
    void deactivate() {
        startRecovery.withdraw();
        worker.shutdownNow();
        try {
            worker.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        CoreStop.releaseAll(devices.snapshot(), config.drainLimit());
    }

    // ---- targets coming and going ---------------------------------------------------------------

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTarget(TargetFactory factory) {
        factories.add(factory);
        LOG.info("target type '{}' available", factory.type());
        for (ManagedDevice m : devices.snapshot()) {
            if (m.type().equals(factory.type()) && m.state != ServiceState.SERVING) {
                SwapTimeline swap = m.swap;
                if (swap != null) {
                    swap.mark(SwapTimeline.Step.FACTORY);
                }
                serving.later(m, 0);
            }
        }
    }

    /**
     * A target service goes (its bundle stops or is updated): every device it serves lets it finish what it
     * holds, now, while its code is still there, and waits for the next target of that type. The devices drain
     * at once, each on its own thread ({@link TargetDeparture}); this returns when every drain has ended.
     */
    void removeTarget(TargetFactory factory) {
        boolean replaced = factories.remove(factory);
        LOG.info("target type '{}' {}", factory.type(), replaced ? "replaced" : "gone");
        new TargetDeparture(factory, replaced, config.drainLimit(), serving).drain(devices.snapshot());
    }

    /**
     * {@code task} for a periodic schedule, which ends for good at the first exception a task throws: each
     * turn's failure is logged and the next turn comes.
     */
    static Runnable surviving(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                LOG.error("{}: {}", what, t.toString(), t);
            }
        };
    }

    /**
     * Completes with the number of devices served again once those recorded at the last start are served again
     * or have failed a first time (the core logs "devices recovered: ..." then).
     */
    CompletableFuture<Integer> startRecovery() {
        return startRecovery.done();
    }

    // ---- the service ------------------------------------------------------------------------------

    @Override
    public long kernelFeatures() throws IOException {
        try (ControlClient control = ControlClient.open()) {
            return control.features();
        }
    }

    @Override
    public Collection<TargetFactory> targets() {
        return factories.current();
    }

    @Override
    public DeviceStatus add(DeviceSpec spec) throws IOException {
        TargetFactory factory = factories.current(spec.targetType());
        if (factory == null) {
            throw new IOException("unknown target type '" + spec.targetType() + "' (available: "
                    + factories.types() + ")");
        }
        if (spec.id() >= 0 && devices.managed(spec.id()) != null) {
            throw new IOException("device " + spec.id() + " exists already");
        }
        Target target;
        try {
            target = factory.open(spec.options());
        } catch (TargetException e) {
            throw new IOException(spec.targetType() + ": " + e.getMessage(), e);
        }
        ManagedDevice[] made = {null};
        try (ControlClient control = ControlClient.open()) {
            // Registered before START_DEV and without holding the devices lock across it: the kernel reads the
            // partition table then, and a target failing that read is replaced through the registry.
            UblkDevice device = UblkDevice.create(control, spec, target,
                    (served, added) -> made[0] = register(spec, served, added, factory), serving.failures);
            IoTimeout.SYSFS.served(control, device, config.ioTimeout());
            return DeviceStatuses.status(control, made[0]);
        } catch (IOException | RuntimeException e) {
            ManagedDevice m = made[0];
            if (m != null) {
                // the kernel device is gone again (UblkDevice.create undid it): so must its entry and record be
                synchronized (m) {
                    m.device = null;
                }
                devices.remove(m);
                devices.deleteRecord(m.id());
            }
            if (m == null || !m.targetDetached) {
                target.close(); // else it failed during START_DEV and was detached, which closed it
            }
            throw e;
        }
    }

    /**
     * Makes {@code served} (the kernel device {@code added}, not live yet) one of the core's devices, served by a
     * target of {@code factory}: its record is written first, for the next core.
     */
    ManagedDevice register(DeviceSpec spec, UblkDevice served, DevInfo added, TargetFactory factory)
            throws IOException {
        DeviceRecord record = DeviceRegistry.record(spec, added);
        record.writeTo(devices.folder());
        ManagedDevice m = new ManagedDevice(record, ServiceState.SERVING, null);
        served.enableCounters(config.metrics());
        m.serving(served, factory);
        if (!devices.putIfAbsent(m)) {
            throw new IOException("device " + added.devId() + " exists already");
        }
        return m;
    }

    @Override
    public void delete(int id) throws IOException {
        ManagedDevice m = devices.managed(id);
        if (m == null) {
            throw new IOException("no device " + id + " known here");
        }
        synchronized (m) {
            if (m.device != null) {
                DeviceDeletion.served(m);
            } else {
                try (ControlClient control = ControlClient.open()) {
                    DeviceDeletion.unserved(control, id);
                }
            }
            devices.remove(id);
            devices.deleteRecord(id);
        }
    }

    /**
     * Serves device {@code id} again now: a device left by a previous server is recovered, one whose target
     * is away gets a fresh target. Returns once it is served; otherwise says why.
     */
    @Override
    public DeviceStatus recover(int id) throws IOException {
        ManagedDevice m = devices.managed(id);
        if (m == null) {
            throw new IOException("no record of device " + id + ": jublk does not know its target");
        }
        if (m.state == ServiceState.ORPHANED) {
            throw new IOException("device " + id + " was added without user recovery; it cannot be served again");
        }
        if (factories.current(m.type()) == null) {
            throw new IOException("device " + id + " waits for a '" + m.type() + "' target, and none is installed");
        }
        Future<?> attempt = serving.now(m);
        try {
            attempt.get(RECOVER_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("recovery of device " + id + " did not finish: " + e, e);
        }
        if (m.state != ServiceState.SERVING) {
            throw new IOException("device " + id + " is not served: " + m.reason);
        }
        try (ControlClient control = ControlClient.open()) {
            return DeviceStatuses.status(control, m);
        }
    }

    @Override
    public DeviceStatus adopt(DeviceSpec spec) throws IOException {
        if (devices.managed(spec.id()) == null) {
            try (ControlClient control = ControlClient.open()) {
                Path file = DeviceRecord.file(devices.folder(), spec.id());
                if (!Files.exists(file)) { // a record there wins: it says how the device was made
                    DeviceRegistry.record(spec, control.deviceInfo(spec.id())).writeTo(devices.folder());
                }
                recorded.takeOver(control, file); // checks that it is jublk's
            }
        }
        return recover(spec.id());
    }

    @Override
    public Map<Integer, List<IoCounters>> counters() {
        Map<Integer, List<IoCounters>> out = new TreeMap<>();
        for (ManagedDevice m : devices.snapshot()) {
            UblkDevice device = m.device;
            out.put(m.id(), device == null ? List.of() : device.counters());
        }
        return out;
    }

    @Override
    public Map<Integer, DeviceEvents> events() {
        Map<Integer, DeviceEvents> out = new TreeMap<>();
        for (ManagedDevice m : devices.snapshot()) {
            out.put(m.id(), new DeviceEvents(m.targetSwaps, m.recoveries));
        }
        return out;
    }

    @Override
    public List<DeviceStatus> list() throws IOException {
        List<DeviceStatus> out = new ArrayList<>();
        try (ControlClient control = ControlClient.open()) {
            for (ManagedDevice m : devices.snapshot()) {
                try {
                    out.add(DeviceStatuses.status(control, m));
                } catch (ErrnoException e) {
                    LOG.debug("device {} vanished while listing: {}", m.id(), e.getMessage());
                }
            }
        }
        return out;
    }

    @Override
    public List<DeviceStatus> unserved() throws IOException {
        List<DeviceStatus> out = new ArrayList<>();
        try (ControlClient control = ControlClient.open()) {
            for (int id : KernelDevices.ids()) {
                if (devices.managed(id) != null) {
                    continue;
                }
                try {
                    out.add(DeviceStatuses.unserved(control, id));
                } catch (ErrnoException e) {
                    LOG.debug("ublk device {} not listed: {}", id, e.getMessage()); // deleted meanwhile
                }
            }
        }
        return out;
    }

    /** For tests: whether device {@code id} is in {@code state}. */
    ServiceState state(int id) {
        ManagedDevice m = devices.managed(id);
        return m == null ? null : m.state;
    }
}
