package io.jublk.core.device;

import io.jublk.core.control.ControlClient;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetFactory;
import java.io.IOException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serving devices again, on the management worker ({@code jublk-devices}): a device whose target failed or went
 * away gets a fresh one, a device left by a previous server is recovered; failed attempts are retried with
 * back-off. One per core activation, with that activation's worker and start recovery.
 */
final class ServingAgain {
    private static final Logger LOG = LoggerFactory.getLogger(ServingAgain.class);
    private static final long RETRY_MIN_MILLIS = 500;
    private static final long RETRY_MAX_MILLIS = 30_000;

    private final ScheduledExecutorService worker;
    private final DeviceRegistry devices;
    private final TargetFactories factories;
    private final Supplier<CoreConfig> config;
    private final StartRecovery startRecovery;

    ServingAgain(ScheduledExecutorService worker, DeviceRegistry devices, TargetFactories factories,
            Supplier<CoreConfig> config, StartRecovery startRecovery) {
        this.worker = worker;
        this.devices = devices;
        this.factories = factories;
        this.config = config;
        this.startRecovery = startRecovery;
    }

    /** What the devices' queue threads report; it takes no lock on their threads, only posts to the worker. */
    final UblkDevice.FailureListener failures = new UblkDevice.FailureListener() {
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
        ManagedDevice m = devices.managed(device.id());
        if (m == null) {
            return;
        }
        synchronized (m) {
            if (m.device != device || m.device.target() == null) {
                return;
            }
            m.detachTarget(new SwapTimeline("its target failed"), config.get().drainLimit(),
                    "its target failed: " + cause);
            retryAfterFailure(m, System.nanoTime());
        }
    }

    /** A queue thread ended on its own: the device cannot serve all its I/O any more; say so in listings. */
    private void markFailed(UblkDevice device, int queueId, Throwable cause) {
        ManagedDevice m = devices.managed(device.id());
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

    /** The one line a swap logs once the device is served by the new target: where its pause went. */
    private static void served(ManagedDevice m, SwapTimeline swap) {
        m.swap = null;
        if (swap == null) {
            LOG.info("ublk device {} is served by a new {} target", m.id(), m.type());
            return;
        }
        swap.mark(SwapTimeline.Step.RESUMED);
        LOG.info("ublk device {} is served by a new {} target: {}", m.id(), m.type(), swap.line());
    }

    /**
     * A served target failed: a fresh one is tried at once, with no wait on top of the drain, unless the device's
     * target failed within RETRY_MAX_MILLIS already (one that keeps failing): then with back-off.
     */
    void retryAfterFailure(ManagedDevice m, long nowNanos) {
        boolean again = m.failedNanos != 0
                && nowNanos - m.failedNanos < TimeUnit.MILLISECONDS.toNanos(RETRY_MAX_MILLIS);
        m.failedNanos = nowNanos;
        if (again) {
            backOff(m);
        } else {
            later(m, 0);
        }
    }

    /** Tries {@code m} again later, each failure in a row doubling the wait (RETRY_MIN_MILLIS to RETRY_MAX_MILLIS). */
    void backOff(ManagedDevice m) {
        m.retryMillis = Math.min(RETRY_MAX_MILLIS, Math.max(RETRY_MIN_MILLIS, m.retryMillis * 2));
        later(m, m.retryMillis);
    }

    void later(ManagedDevice m, long delayMillis) {
        if (worker.isShutdown()) {
            return;
        }
        try {
            worker.schedule(() -> serveAgain(m), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("device {}: core stopping, no retry", m.id());
        }
    }

    /** Tries {@code m} on the worker now, the back-off started afresh. */
    Future<?> now(ManagedDevice m) {
        m.retryMillis = 0;
        return worker.submit(() -> serveAgain(m));
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
            if (m.state == ServiceState.SERVING || m.state == ServiceState.ORPHANED || devices.managed(m.id()) != m) {
                return;
            }
            TargetFactory factory = factories.current(m.type());
            if (factory == null) {
                m.reason = "waiting for a '" + m.type() + "' target";
                return;
            }
            SwapTimeline swap = m.device != null ? m.swap : null;
            if (swap != null) {
                swap.mark(SwapTimeline.Step.ATTEMPT);
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
                if (swap != null) {
                    swap.mark(SwapTimeline.Step.OPENED);
                }
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
                served(m, swap);
                return;
            }
            ServiceState before = m.state;
            m.state = ServiceState.RECOVERING;
            try (ControlClient control = ControlClient.open()) {
                m.device = UblkDevice.recover(control, m.record.toSpec(), target, failures);
                m.device.enableCounters(config.get().metrics());
                IoTimeout.SYSFS.served(control, m.device, config.get().ioTimeout());
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
}
