package io.jublk.core.device;

import java.util.concurrent.Executor;
import org.slf4j.Logger;

/**
 * An INFO line that must reach the log even while pax-logging swaps its configuration (the core's "devices
 * recovered" line, which operators and bench/start wait for). pax-logging 2.3.2 asks its log4j2 logger whether
 * INFO is enabled before it takes its configuration lock; while it replaces the early configuration
 * (etc/jublk-early-log4j2.properties) by etc/org.ops4j.pax.logging.cfg, every logger is off (log4j2's
 * NullConfiguration between the old context's stop and the new start), so a line logged in that window is
 * dropped without a trace. At a restart under load the core's line can fall into it. Here the line is logged
 * only while INFO is enabled and, if INFO was off again just after (the swap may have begun in between), once
 * more later: it may then appear twice. It is lost only if the whole swap falls between the two checks around
 * one info() (this thread preempted there for its length). An operator who turns INFO off for the core gets no
 * line (tries end after {@link #TRIES}).
 */
final class ReconfigSafeInfo {
    /** Retries, {@code later} apart (the core's: 20 ms, so 10 s): the swap took milliseconds natively. */
    static final int TRIES = 500;

    private ReconfigSafeInfo() {
    }

    /** Logs {@code line} at INFO on {@code log}; what has to wait runs on {@code later} (a delaying executor). */
    static void log(Logger log, String line, Executor later) {
        attempt(log, line, later, TRIES);
    }

    private static void attempt(Logger log, String line, Executor later, int triesLeft) {
        if (log.isInfoEnabled()) {
            log.info(line);
            if (log.isInfoEnabled()) {
                return; // enabled before and after: no swap began, the line landed
            }
        }
        if (triesLeft > 0) {
            later.execute(() -> attempt(log, line, later, triesLeft - 1));
        }
    }
}
