package io.jublk.startgate;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.karaf.main.util.BootstrapLogManager;

/**
 * The gate's lines go to karaf.log the way Karaf's launcher writes its own ("Lock acquired. Setting startlevel to
 * 25"): through the launcher's file handler, not pax-logging, whose configuration swap at start drops what is
 * logged during it (the gate opens in the same second). Without the launcher's logging set up (tests), through the
 * JDK's root handlers.
 */
final class GateLog {
    private static final Logger LOG = Logger.getLogger(StartGate.class.getName());

    private GateLog() {
    }

    static synchronized void log(Level level, String line) {
        // pax-logging resets java.util.logging when it starts (level 8), which drops handlers added before
        if (LOG.getHandlers().length == 0) {
            try {
                for (Handler h : BootstrapLogManager.getDefaultHandlers()) {
                    LOG.addHandler(h);
                }
                LOG.setUseParentHandlers(false);
            } catch (RuntimeException | LinkageError e) {
                LOG.setUseParentHandlers(true);
            }
        }
        LOG.log(level, line);
    }
}
