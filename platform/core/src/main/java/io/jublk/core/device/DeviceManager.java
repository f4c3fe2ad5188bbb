package io.jublk.core.device;

import io.jublk.core.control.ControlClient;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetFactory;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
    private static final long RETRY_MIN_MILLIS = 500;
    private static final long RETRY_MAX_MILLIS = 30_000;
    private static final long RECOVER_WAIT_SECONDS = 120;

    /** Every bound factory of each type; the last bound is the one used. */
    private final Map<String, List<TargetFactory>> factories = new ConcurrentHashMap<>();
    /** Guarded by itself: the set of devices; each device's changes are guarded by its own monitor. */
    private final Map<Integer, ManagedDevice> devices = new TreeMap<>();
    private ScheduledExecutorService worker;
    private Path registry;
    /** The defaults of {@code etc/io.jublk.core.cfg}; replaced whole when it changes. */
    private volatile CoreConfig config = CoreConfig.DEFAULT;
    /** The recovery of the devices recorded at start; replaced at each activation. */
    private volatile StartRecovery startRecovery = new StartRecovery();

    void activate(BundleContext context) {
        activate(context, Map.of());
    }

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        config = configured(properties, CoreConfig.DEFAULT);
        String data = System.getProperty("karaf.data");
        Path base = data != null ? Path.of(data) : context.getDataFile("").toPath();
        registry = config.recordFolder() != null ? config.recordFolder() : base.resolve("jublk").resolve("devices");
        worker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("jublk-devices")
                .daemon(true).unstarted(r));
        LOG.info("jublk core started; device records in {}", registry);
        startRecovery = new StartRecovery();
        worker.execute(this::takeOverRecordedDevices);
        worker.scheduleWithFixedDelay(surviving("device watchdog", this::watch), 1, 1, TimeUnit.SECONDS);
    }

    /** {@code etc/io.jublk.core.cfg} changed: new defaults from now on (the record folder at the next start). */
    @Modified
    void modified(Map<String, Object> properties) {
        CoreConfig before = config;
        config = configured(properties, before);
        if (config.metrics() != before.metrics()) {
            for (ManagedDevice m : snapshot()) {
                UblkDevice device = m.device;
                if (device != null) {
                    device.enableCounters(config.metrics());
                }
            }
        }
        if (config != before && !java.util.Objects.equals(config.recordFolder(), before.recordFolder())) {
            LOG.info("{}: the new recordFolder applies at the next start; records stay in {}", CoreConfig.PID,
                    registry);
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
     * I/O held); the others are deleted, since the kernel would fail their I/O anyway.
     */
    @Deactivate
    void deactivate() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ManagedDevice m : snapshot()) {
            synchronized (m) {
                UblkDevice device = m.device;
                if (device == null) {
                    continue;
                }
                if (Feature.USER_RECOVERY.in(device.info().flags())) {
                    device.release(config.drainLimit());
                    m.device = null;
                } else {
                    try {
                        deleteServed(m);
                    } catch (IOException e) {
                        LOG.error("could not delete ublk device {} while stopping: {}", m.id(), e.getMessage());
                    }
                }
            }
        }
    }

    // ---- targets coming and going ---------------------------------------------------------------

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTarget(TargetFactory factory) {
        factories.computeIfAbsent(factory.type(), t -> new CopyOnWriteArrayList<>()).add(factory);
        LOG.info("target type '{}' available", factory.type());
        for (ManagedDevice m : snapshot()) {
            if (m.type().equals(factory.type()) && m.state != ServiceState.SERVING) {
                later(m, 0);
            }
        }
    }

    /**
     * A target service goes (its bundle stops or is updated): every device it serves lets it finish what it
     * holds, now, while its code is still there, and waits for the next target of that type.
     */
    void removeTarget(TargetFactory factory) {
        List<TargetFactory> ofType = factories.getOrDefault(factory.type(), List.of());
        ofType.remove(factory);
        LOG.info("target type '{}' {}", factory.type(), ofType.isEmpty() ? "gone" : "replaced");
        for (ManagedDevice m : snapshot()) {
            synchronized (m) {
                if (m.factory == factory && m.device != null) {
                    m.device.detachTarget(config.drainLimit());
                    m.targetDetached = true;
                    m.lostTarget("its " + m.type() + " target service went away");
                    LOG.info("ublk device {} holds its I/O until a '{}' target is back", m.id(), m.type());
                    if (!ofType.isEmpty()) {
                        later(m, 0);
                    }
                }
            }
        }
    }

    private TargetFactory factory(String type) {
        List<TargetFactory> ofType = factories.getOrDefault(type, List.of());
        return ofType.isEmpty() ? null : ofType.getLast();
    }

    /** What the devices' queue threads report; it takes no lock on their threads, only posts to the worker. */
    private final UblkDevice.FailureListener failures = new UblkDevice.FailureListener() {
        @Override
        public void targetFailed(UblkDevice device, Throwable cause) {
            submit(() -> replaceFailedTarget(device, cause));
        }

        @Override
        public void queueFailed(UblkDevice device, int queueId, Throwable cause) {
            submit(() -> markFailed(device, queueId, cause));
        }
    };

    /**
     * A queue thread saw the target fail: detach it, and try a fresh instance. On the worker, never on the queue
     * thread: during ublk:add the device is registered before START_DEV, whose partition scan the queue serves.
     */
    private void replaceFailedTarget(UblkDevice device, Throwable cause) {
        ManagedDevice m = managed(device.id());
        if (m == null) {
            return;
        }
        {
            synchronized (m) {
                if (m.device != device || m.device.target() == null) {
                    return;
                }
                device.detachTarget(config.drainLimit());
                m.targetDetached = true;
                m.lostTarget("its target failed: " + cause);
                backOff(m);
            }
        }
    }

    /** A queue thread ended on its own: the device cannot serve all its I/O any more; say so in listings. */
    private void markFailed(UblkDevice device, int queueId, Throwable cause) {
        ManagedDevice m = managed(device.id());
        if (m == null) {
            return;
        }
        synchronized (m) {
            if (m.device == device) {
                m.state = ServiceState.FAILED;
                m.reason = "queue " + queueId + " ended: " + cause;
                LOG.error("ublk device {} failed: {}; delete it (its held I/O fails then)", m.id(), m.reason);
            }
        }
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

    /** Once a second: replace targets that sit on a request too long; apply fail-after. */
    private void watch() {
        long now = System.nanoTime();
        for (ManagedDevice m : snapshot()) {
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

    // ---- serving devices again ------------------------------------------------------------------

    /** On activation: every recorded device the kernel still has is taken over, or waits for its target type. */
    private void takeOverRecordedDevices() {
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

    /**
     * Completes with the number of devices served again once those recorded at the last start are served again
     * or have failed a first time (the core logs "devices recovered: ..." then).
     */
    CompletableFuture<Integer> startRecovery() {
        return startRecovery.done();
    }

    private void takeOver(ControlClient control, Path file) {
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
                deleteRecord(record.id());
            } else {
                LOG.error("recorded ublk device {}: {}", record.id(), e.getMessage());
            }
            return;
        }
        if (info.serverFlags() != UblkDevice.SERVER_MARK) {
            LOG.warn("ublk device {} is not jublk's now (server flags 0x{}); forgetting the old record",
                    record.id(), Long.toHexString(info.serverFlags()));
            deleteRecord(record.id());
            return;
        }
        boolean recoverable = Feature.USER_RECOVERY.in(info.flags());
        ManagedDevice m = new ManagedDevice(record, recoverable ? ServiceState.RECOVERABLE : ServiceState.ORPHANED,
                recoverable ? "waiting for a '" + record.targetType() + "' target" : "added without user recovery");
        synchronized (devices) {
            if (devices.putIfAbsent(record.id(), m) != null) {
                return;
            }
        }
        if (recoverable) {
            LOG.info("ublk device {} ({}) was left by a previous server; taking it over", record.id(), info.state());
            startRecovery.pending(record.id());
            later(m, 0);
        } else {
            LOG.warn("ublk device {} was left by a previous server without user recovery; delete it", record.id());
        }
    }

    /** Tries {@code m} again later, each failure in a row doubling the wait (RETRY_MIN_MILLIS to RETRY_MAX_MILLIS). */
    private void backOff(ManagedDevice m) {
        m.retryMillis = Math.min(RETRY_MAX_MILLIS, Math.max(RETRY_MIN_MILLIS, m.retryMillis * 2));
        later(m, m.retryMillis);
    }

    private void later(ManagedDevice m, long delayMillis) {
        if (worker.isShutdown()) {
            return;
        }
        try {
            worker.schedule(() -> serveAgain(m), delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("device {}: core stopping, no retry", m.id());
        }
    }

    private void submit(Runnable task) {
        if (!worker.isShutdown()) {
            worker.execute(task);
        }
    }

    /**
     * Gives a device that has no working target a fresh one from the current factory of its type: attached
     * to its running queues, or, for a device left by a previous server, through user recovery.
     */
    private void serveAgain(ManagedDevice m) {
        synchronized (m) {
            if (m.state == ServiceState.SERVING || m.state == ServiceState.ORPHANED || managed(m.id()) != m) {
                return;
            }
            TargetFactory factory = factory(m.type());
            if (factory == null) {
                m.reason = "waiting for a '" + m.type() + "' target";
                return;
            }
            Target target;
            try {
                target = factory.open(m.record.options());
            } catch (TargetException | RuntimeException e) {
                m.reason = "the " + m.type() + " target would not open: " + e.getMessage();
                LOG.warn("ublk device {}: {}", m.id(), m.reason);
                startRecovery.settled(m.id(), false);
                backOff(m);
                return;
            }
            if (m.device != null) {
                try {
                    m.device.attachTarget(target); // the device owns the target now, also when this fails
                } catch (IOException | RuntimeException e) {
                    m.reason = "the new " + m.type() + " target could not be attached: " + e.getMessage();
                    LOG.error("ublk device {}: {}", m.id(), m.reason);
                    backOff(m);
                    return;
                }
                m.targetSwaps++; // under m's monitor
                m.serving(m.device, factory);
                return;
            }
            ServiceState before = m.state;
            m.state = ServiceState.RECOVERING;
            try (ControlClient control = ControlClient.open()) {
                m.device = UblkDevice.recover(control, m.record.toSpec(), target, failures);
                m.device.enableCounters(config.metrics());
                m.recoveries++; // under m's monitor
                m.serving(m.device, factory);
                startRecovery.settled(m.id(), true);
            } catch (IOException | RuntimeException e) {
                m.state = before;
                target.close();
                m.reason = e.getMessage();
                LOG.error("ublk device {}: {}", m.id(), e.getMessage());
                startRecovery.settled(m.id(), false);
            }
        }
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
        Map<String, TargetFactory> current = new TreeMap<>();
        for (String type : factories.keySet()) {
            TargetFactory f = factory(type);
            if (f != null) {
                current.put(type, f);
            }
        }
        return current.values();
    }

    @Override
    public DeviceStatus add(DeviceSpec spec) throws IOException {
        TargetFactory factory = factory(spec.targetType());
        if (factory == null) {
            throw new IOException("unknown target type '" + spec.targetType() + "' (available: "
                    + String.join(", ", new TreeMap<>(factories).keySet()) + ")");
        }
        if (spec.id() >= 0 && managed(spec.id()) != null) {
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
            UblkDevice device = UblkDevice.create(control, spec, target, (served, added) -> {
                DeviceRecord record = record(spec, added);
                record.writeTo(registry);
                ManagedDevice m = new ManagedDevice(record, ServiceState.SERVING, null);
                served.enableCounters(config.metrics());
                m.serving(served, factory);
                synchronized (devices) {
                    if (devices.putIfAbsent(added.devId(), m) != null) {
                        throw new IOException("device " + added.devId() + " exists already");
                    }
                }
                made[0] = m;
            }, failures);
            return status(control, made[0]);
        } catch (IOException | RuntimeException e) {
            ManagedDevice m = made[0];
            if (m != null) {
                // the kernel device is gone again (UblkDevice.create undid it): so must its entry and record be
                synchronized (m) {
                    m.device = null;
                }
                synchronized (devices) {
                    devices.remove(m.id(), m);
                }
                deleteRecord(m.id());
            }
            if (m == null || !m.targetDetached) {
                target.close(); // else it failed during START_DEV and was detached, which closed it
            }
            throw e;
        }
    }

    @Override
    public void delete(int id) throws IOException {
        ManagedDevice m = managed(id);
        if (m == null) {
            throw new IOException("no device " + id + " known here");
        }
        synchronized (m) {
            if (m.device != null) {
                deleteServed(m);
            } else {
                try (ControlClient control = ControlClient.open()) {
                    deleteUnserved(control, id);
                }
            }
            synchronized (devices) {
                devices.remove(id);
            }
            deleteRecord(id);
        }
    }

    private void deleteServed(ManagedDevice m) throws IOException {
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
    private static void deleteUnserved(ControlClient control, int id) throws IOException {
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

    /**
     * Serves device {@code id} again now: a device left by a previous server is recovered, one whose target
     * is away gets a fresh target. Returns once it is served; otherwise says why.
     */
    @Override
    public DeviceStatus recover(int id) throws IOException {
        ManagedDevice m = managed(id);
        if (m == null) {
            throw new IOException("no record of device " + id + ": jublk does not know its target");
        }
        if (m.state == ServiceState.ORPHANED) {
            throw new IOException("device " + id + " was added without user recovery; it cannot be served again");
        }
        if (factory(m.type()) == null) {
            throw new IOException("device " + id + " waits for a '" + m.type() + "' target, and none is installed");
        }
        m.retryMillis = 0;
        Future<?> attempt = worker.submit(() -> serveAgain(m));
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
            return status(control, m);
        }
    }

    @Override
    public DeviceStatus adopt(DeviceSpec spec) throws IOException {
        if (managed(spec.id()) == null) {
            try (ControlClient control = ControlClient.open()) {
                Path file = DeviceRecord.file(registry, spec.id());
                if (!Files.exists(file)) { // a record there wins: it says how the device was made
                    record(spec, control.deviceInfo(spec.id())).writeTo(registry);
                }
                takeOver(control, file); // checks that it is jublk's
            }
        }
        return recover(spec.id());
    }

    @Override
    public Map<Integer, List<IoCounters>> counters() {
        Map<Integer, List<IoCounters>> out = new TreeMap<>();
        for (ManagedDevice m : snapshot()) {
            UblkDevice device = m.device;
            out.put(m.id(), device == null ? List.of() : device.counters());
        }
        return out;
    }

    @Override
    public Map<Integer, DeviceEvents> events() {
        Map<Integer, DeviceEvents> out = new TreeMap<>();
        for (ManagedDevice m : snapshot()) {
            out.put(m.id(), new DeviceEvents(m.targetSwaps, m.recoveries));
        }
        return out;
    }

    @Override
    public List<DeviceStatus> list() throws IOException {
        List<DeviceStatus> out = new ArrayList<>();
        try (ControlClient control = ControlClient.open()) {
            for (ManagedDevice m : snapshot()) {
                try {
                    out.add(status(control, m));
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
                if (managed(id) != null) {
                    continue;
                }
                try {
                    out.add(new DeviceStatus(control.deviceInfo(id), params(control, id), null, null, new int[0],
                            null, "not served by this server"));
                } catch (ErrnoException e) {
                    LOG.debug("ublk device {} not listed: {}", id, e.getMessage()); // deleted meanwhile
                }
            }
        }
        return out;
    }

    private static DeviceStatus status(ControlClient control, ManagedDevice m) throws ErrnoException {
        UblkDevice device = m.device;
        Target target = device == null ? null : device.target();
        long stuck = device == null ? 0 : device.stuckOperations();
        String service = m.state.label() + (m.reason == null ? "" : ": " + m.reason)
                + (stuck > 0 ? "; target stuck: " + stuck + " operation(s) of a detached target in flight" : "");
        DevInfo info = control.deviceInfo(m.id());
        return new DeviceStatus(info, params(control, m.id()), m.type(),
                target == null ? Map.of() : TargetDescription.of(target),
                device == null ? new int[0] : device.queueThreadIds(), m.state, service, affinity(control, info));
    }

    /** Each queue's CPUs; none at all when the kernel would not say (a listing must not fail for that). */
    private static List<BitSet> affinity(ControlClient control, DevInfo info) {
        List<BitSet> cpus = new ArrayList<>(info.queues());
        try {
            for (int q = 0; q < info.queues(); q++) {
                cpus.add(control.queueAffinity(info.devId(), q));
            }
        } catch (ErrnoException e) {
            LOG.debug("GET_QUEUE_AFFINITY of device {}: {}", info.devId(), e.getMessage());
            return List.of();
        }
        return cpus;
    }

    /** GET_PARAMS, or null when the kernel would not say (a device not started has no devt yet). */
    private static Params params(ControlClient control, int id) {
        try {
            return control.params(id);
        } catch (ErrnoException e) {
            return null;
        }
    }

    private List<ManagedDevice> snapshot() {
        synchronized (devices) {
            return new ArrayList<>(devices.values());
        }
    }

    private ManagedDevice managed(int id) {
        synchronized (devices) {
            return devices.get(id);
        }
    }

    private void deleteRecord(int id) {
        try {
            Files.deleteIfExists(DeviceRecord.file(registry, id));
        } catch (IOException e) {
            LOG.error("could not delete the record of ublk device {}: {}", id, e.getMessage());
        }
    }

    private static DeviceRecord record(DeviceSpec spec, DevInfo added) {
        return new DeviceRecord(added.devId(), spec.targetType(), spec.options(), added.queues(), added.queueDepth(),
                added.maxIoBufBytes(), added.flags(), spec.hold());
    }

    /** For tests: whether device {@code id} is in {@code state}. */
    ServiceState state(int id) {
        ManagedDevice m = managed(id);
        return m == null ? null : m.state;
    }
}
