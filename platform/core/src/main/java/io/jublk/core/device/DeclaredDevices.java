package io.jublk.core.device;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One declared device ({@code etc/io.jublk.device-NAME.cfg}, see {@link DeclaredDevice}); DS makes one of
 * these a file. At start the device is made when missing; one the kernel still has is taken over (from its
 * record by the core, as after any restart, or, when the record is gone, with the declaration standing for
 * it); while its target type is not there yet, it is tried again every few seconds. When the file goes, the device is deleted. A bad file is one
 * log line and makes nothing.
 */
@Component(configurationPid = DeclaredDevice.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
public class DeclaredDevices {
    private static final Logger LOG = LoggerFactory.getLogger(DeclaredDevices.class);
    static final long RETRY_SECONDS = 3;
    /** About 10 minutes of retries while the target type is missing, then one line and no more. */
    static final int MAX_TRIES = 200;
    /** DS's deactivation reasons (ComponentConstants, in the DS API the core does not otherwise need). */
    static final int CONFIGURATION_DELETED = 4;
    static final int BUNDLE_STOPPED = 6;

    @Reference
    private UblkService ublk;

    private ScheduledExecutorService worker;
    private volatile DeclaredDevice declared;
    private int tries;

    public DeclaredDevices() {
    }

    /** For tests: with this service and worker. */
    DeclaredDevices(UblkService ublk, ScheduledExecutorService worker) {
        this.ublk = ublk;
        this.worker = worker;
    }

    @Activate
    void activate(Map<String, Object> properties) {
        try {
            declared = DeclaredDevice.of(properties, ublk.defaults());
        } catch (IllegalArgumentException e) {
            LOG.warn("declared device {}: {}; nothing made", DeclaredDevice.name(properties), e.getMessage());
            return;
        }
        start();
    }

    /** Runs {@link #ensure} on this declaration's own thread (made at the first call). */
    private synchronized void start() {
        if (worker == null) {
            worker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
                    .name("jublk-declared-" + declared.name()).daemon(true).unstarted(r));
        }
        worker.execute(this::ensure);
    }

    /** A changed file: the device is not remade under its users; the new settings apply when it is made. */
    @Modified
    void modified(Map<String, Object> properties) {
        try {
            DeclaredDevice now = DeclaredDevice.of(properties, ublk.defaults());
            if (declared != null && !now.equals(declared)) {
                LOG.info("declared device {} changed; it applies when the device is made again (ublk:del -n {})",
                        now.name(), now.spec().id());
            }
            boolean wasBad = declared == null;
            declared = now;
            if (wasBad) { // a bad file made good: now the device is made
                start();
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("declared device {}: {}; keeping what is in force", DeclaredDevice.name(properties),
                    e.getMessage());
        }
    }

    /**
     * Only a deleted file deletes the device: a core stopping or updated (bundle stopped, container shut down)
     * keeps it, for the next start to take over.
     */
    @Deactivate
    void deactivate(int reason) {
        if (worker != null) {
            worker.shutdownNow();
        }
        DeclaredDevice d = declared;
        if (d == null || reason != CONFIGURATION_DELETED) {
            return;
        }
        try {
            if (has(d.spec().id())) {
                ublk.delete(d.spec().id());
                LOG.info("declared device {}: its file is gone; ublk device {} deleted", d.name(), d.spec().id());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("declared device {}: its file is gone, but ublk device {} was not deleted: {}", d.name(),
                    d.spec().id(), e.getMessage());
        }
    }

    /** Makes the device unless the core has it; tries again while its target type is missing. */
    void ensure() {
        DeclaredDevice d = declared;
        if (d == null) {
            return;
        }
        int id = d.spec().id();
        try {
            if (ublk.list().stream().anyMatch(s -> s.id() == id)) {
                LOG.debug("declared device {}: ublk device {} is there", d.name(), id);
                return;
            }
            boolean inKernel = ublk.unserved().stream().anyMatch(s -> s.id() == id);
            if (ublk.targets().stream().noneMatch(t -> t.type().equals(d.spec().targetType()))) {
                if (++tries < MAX_TRIES) {
                    worker.schedule(this::ensure, RETRY_SECONDS, TimeUnit.SECONDS);
                } else {
                    LOG.warn("declared device {}: no '{}' target came; not made", d.name(), d.spec().targetType());
                }
                return;
            }
            if (inKernel) { // left by a previous server, and its record is gone: the declaration stands for it
                ublk.adopt(d.spec());
                LOG.info("declared device {}: ublk device {} taken over", d.name(), id);
            } else {
                ublk.add(d.spec());
                LOG.info("declared device {}: ublk device {} made", d.name(), id);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("declared device {}: ublk device {} not made: {}", d.name(), id, e.getMessage());
        }
    }

    /** Whether the core serves or knows the device, or the kernel has it (the core takes those over). */
    private boolean has(int id) throws IOException {
        return ublk.list().stream().anyMatch(s -> s.id() == id) || ublk.unserved().stream().anyMatch(s -> s.id() == id);
    }
}
