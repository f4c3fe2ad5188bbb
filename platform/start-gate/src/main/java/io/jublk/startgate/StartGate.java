package io.jublk.startgate;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.osgi.framework.AllServiceListener;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.FrameworkStartLevel;

/**
 * Devices first. Karaf raises the framework to {@code org.osgi.framework.startlevel.beginning}, which the
 * distribution sets to the core's level (25, {@code etc/custom.properties}); the gate raises it on to
 * {@code jublk.startgate.level} (100) once the core has served its recorded devices again (its
 * {@code DevicesRecovered} service, registered with its "devices recovered" line), so that ssh, JMX and the console
 * (levels 30 to 80) do not compete with the recovery for the CPU. It opens at once when no jublk core is active at
 * the core's level (a first start, where the features service installs the core later; a core stopped or
 * uninstalled), and {@code jublk.startgate.timeout} seconds after that level was reached in any case (a core that
 * hangs): an operator always gets a console. It never lowers a level: when the framework is at or above the final
 * level already, it leaves it there. When the level falls below the core's again (Karaf's lock lost) it closes, and
 * works as at a start when the level comes back.
 *
 * <p>A Karaf activator (manifest header {@code Karaf-Activator}, jar in the distribution's {@code lib/}), not a
 * bundle: Karaf's launcher starts it with the system bundle's context before any bundle, so its time-out runs
 * whatever the bundles do (a core that fails to resolve, a damaged bundle cache).
 */
public final class StartGate implements BundleActivator, FrameworkListener, AllServiceListener {
    /** The core's service that says its start recovery is done (io.jublk.core.device.DevicesRecovered). */
    static final String RECOVERED = "io.jublk.core.device.DevicesRecovered";
    /** Its properties: recorded devices served again, and recorded in all. */
    static final String SERVED = "jublk.devices.served";
    static final String RECORDED = "jublk.devices.recorded";
    static final String CORE = "jublk-core";
    static final String FINAL_LEVEL = "jublk.startgate.level";
    static final String TIMEOUT = "jublk.startgate.timeout";
    static final int DEFAULT_FINAL_LEVEL = 100;
    static final int DEFAULT_TIMEOUT_SECONDS = 60;

    private BundleContext context;
    private Bundle framework;
    private int gateLevel;
    private int finalLevel;
    private int timeoutSeconds;
    private ScheduledExecutorService timer;
    // guarded by this
    private boolean open;
    private ScheduledFuture<?> timeout;

    @Override
    public void start(BundleContext context) throws InvalidSyntaxException {
        this.context = context;
        framework = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        // Karaf's launcher keeps the configured beginning level in the system property (it starts Felix at 1)
        gateLevel = setting(System.getProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL),
                Constants.FRAMEWORK_BEGINNING_STARTLEVEL, 1);
        finalLevel = setting(context.getProperty(FINAL_LEVEL), FINAL_LEVEL, DEFAULT_FINAL_LEVEL);
        timeoutSeconds = setting(context.getProperty(TIMEOUT), TIMEOUT, DEFAULT_TIMEOUT_SECONDS);
        if (finalLevel <= gateLevel) {
            return; // nothing to hold: Karaf's beginning level is the final one
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("jublk-start-gate")
                .daemon(true).unstarted(r));
        context.addServiceListener(this, "(" + Constants.OBJECTCLASS + "=" + RECOVERED + ")");
        context.addFrameworkListener(this);
        levelChanged();
    }

    @Override
    public void stop(BundleContext context) {
        if (timer != null) {
            context.removeServiceListener(this);
            context.removeFrameworkListener(this);
            timer.shutdownNow();
        }
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTLEVEL_CHANGED) {
            levelChanged();
        }
    }

    @Override
    public void serviceChanged(ServiceEvent event) {
        if (event.getType() == ServiceEvent.REGISTERED) {
            recovered(event.getServiceReference());
        }
    }

    private synchronized void levelChanged() {
        int level = currentLevel();
        if (level < gateLevel) {
            if (open || timeout != null) {
                open = false; // Karaf lowered it (lock lost): the next climb is a start again
                cancelTimeout();
                System.setProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(gateLevel));
                GateLog.log(Level.INFO, "jublk start gate: start level " + level + " is below the core's " + gateLevel
                        + ": held there again when it comes back");
            }
            return;
        }
        if (open || timeout != null) {
            return;
        }
        ServiceReference<?>[] published = null;
        try {
            published = context.getAllServiceReferences(RECOVERED, null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e); // no filter given
        }
        if (published != null) {
            recovered(published[0]);
        } else if (!coreActive()) {
            open(Level.INFO, "no active " + CORE + " bundle at start level " + level + " (stopped, or a first"
                    + " start, where the features service installs it later): nothing to wait for");
        } else {
            timeout = timer.schedule(this::timedOut, timeoutSeconds, TimeUnit.SECONDS);
        }
    }

    private synchronized void recovered(ServiceReference<?> published) {
        open(Level.INFO, "the jublk core has served its recorded devices again (" + published.getProperty(SERVED)
                + " of " + published.getProperty(RECORDED) + ")");
    }

    private synchronized void timedOut() {
        if (timeout != null && !open) {
            open(Level.WARNING, "the jublk core has not said \"devices recovered\" " + timeoutSeconds
                    + " s after start level " + gateLevel + " (" + TIMEOUT + "): the console comes up, the devices"
                    + " wait on (see the core's lines)");
        }
    }

    /** Raises the framework to the final level, never lowering it. */
    private void open(Level severity, String why) {
        if (open) {
            return;
        }
        open = true;
        cancelTimeout();
        // Karaf's local console (DelayedStarted) waits for the framework to reach this property's level
        System.setProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(finalLevel));
        int level = currentLevel();
        if (level < finalLevel) {
            framework.adapt(FrameworkStartLevel.class).setStartLevel(finalLevel);
            GateLog.log(severity, "jublk start gate: " + why + "; start level " + level + " -> " + finalLevel);
        } else {
            GateLog.log(severity, "jublk start gate: " + why + "; start level " + level + " left as it is");
        }
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    private int currentLevel() {
        return framework.adapt(FrameworkStartLevel.class).getStartLevel();
    }

    private boolean coreActive() {
        for (Bundle b : context.getBundles()) {
            if (CORE.equals(b.getSymbolicName()) && b.getState() == Bundle.ACTIVE) {
                return true;
            }
        }
        return false;
    }

    /** A level or a number of seconds from a property; a bad one is one log line and the default. */
    static int setting(String value, String name, int otherwise) {
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        GateLog.log(Level.WARNING, "jublk start gate: " + name + " = '" + value + "' is not a number >= 0; using "
                + otherwise);
        return otherwise;
    }
}
