package io.jublk.startgate;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gate's lines: through java.util.logging, which pax-logging (level 8, before the gate ever speaks) sends to
 * karaf.log like any bundle's lines. Not through the launcher's own file handler (Karaf's "Lock acquired" lines):
 * log4j writes karaf.log through its own file position, over what another writer appended. The last line is also
 * kept as the system property {@value #STATE} ({@code system:property jublk.startgate}), which a line lost in
 * pax-logging's configuration swap at start does not take with it.
 */
final class GateLog {
    static final String STATE = "jublk.startgate";
    private static final Logger LOG = Logger.getLogger(StartGate.class.getName());

    private GateLog() {
    }

    static void log(Level level, String line) {
        System.setProperty(STATE, line);
        LOG.logp(level, StartGate.class.getName(), "", line);
    }
}
