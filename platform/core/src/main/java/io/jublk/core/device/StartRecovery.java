package io.jublk.core.device;

import java.lang.management.ManagementFactory;
import java.util.Hashtable;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recovery of the devices recorded when the core starts: done once the records are read and every device
 * they name that user recovery can serve again has been served, or has failed a first time (retries go on). It
 * then says so in one line, "devices recovered: ...", which is what bench/start and operators wait for, and
 * registers {@link DevicesRecovered}, which the distribution's start-level gate waits for.
 */
final class StartRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(StartRecovery.class);
    private static final long LINE_RETRY_MS = 20;

    private final long startNanos = System.nanoTime();
    private final Set<Integer> pending = ConcurrentHashMap.newKeySet();
    private final AtomicInteger served = new AtomicInteger();
    private final CompletableFuture<Integer> done = new CompletableFuture<>();
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile int records = -1;
    private final Logger log;
    private final Executor later;
    // guarded by this
    private ServiceRegistration<DevicesRecovered> registration;
    private boolean withdrawn;

    StartRecovery() {
        this(LOG, CompletableFuture.delayedExecutor(LINE_RETRY_MS, TimeUnit.MILLISECONDS));
    }

    /** With the logger of its line and the executor that retries it (tests). */
    StartRecovery(Logger log, Executor later) {
        this.log = log;
        this.later = later;
    }

    /** Recorded device {@code id} waits to be served again. */
    void pending(int id) {
        pending.add(id);
    }

    /** Device {@code id}, if it was pending, is served again ({@code serving}) or failed its first try. */
    void settled(int id, boolean serving) {
        if (pending.remove(id)) {
            if (serving) {
                served.incrementAndGet();
            }
            finishIfDone();
        }
    }

    /** The pass over the {@code count} records has ended: what it found is pending (or was given up on). */
    void recordsRead(int count) {
        records = count;
        finishIfDone();
    }

    /** Completes with the number of recorded devices served again once none is pending. */
    CompletableFuture<Integer> done() {
        return done;
    }

    /**
     * Once done, registers {@link DevicesRecovered} through {@code context} (none: nothing registered) until
     * {@link #withdraw()}.
     */
    void publish(BundleContext context) {
        if (context != null) {
            done.thenAccept(n -> register(context, n));
        }
    }

    /** The core stops: its {@link DevicesRecovered} goes, or is never registered. */
    synchronized void withdraw() {
        withdrawn = true;
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // gone with the bundle already
            }
            registration = null;
        }
    }

    private synchronized void register(BundleContext context, int servedAgain) {
        if (withdrawn) {
            return;
        }
        try {
            registration = context.registerService(DevicesRecovered.class, new DevicesRecovered() {
            }, new Hashtable<>(Map.of(DevicesRecovered.SERVED, servedAgain, DevicesRecovered.RECORDED, records)));
        } catch (IllegalStateException e) {
            LOG.debug("core stopping: no DevicesRecovered ({})", e.getMessage());
        }
    }

    private void finishIfDone() {
        if (records >= 0 && pending.isEmpty() && finished.compareAndSet(false, true)) {
            int n = served.get();
            // not LOG.info: a line logged while pax-logging swaps its configuration is lost (ReconfigSafeInfo)
            ReconfigSafeInfo.log(log, "devices recovered: " + n + " of " + records
                    + " recorded device(s) served again, "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos) + " ms after the core started, "
                    + ManagementFactory.getRuntimeMXBean().getUptime() + " ms after the JVM started", later);
            done.complete(n); // the line first: the gate that waits for DevicesRecovered lets the console start
        }
    }
}
