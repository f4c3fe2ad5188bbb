package io.jublk.core.device;

import java.util.Locale;

/**
 * When each step of one target swap of a device happened, for one log line per swap: where the pause its
 * I/O sees goes. A swap starts when the device loses its target (its factory went away, or it failed) and
 * ends when the queues have handed the held requests to the next target. Steps not taken (no factory event
 * for a failed target; a stuck target closed later) are left out of the line. Any thread; rare, so locked.
 */
final class SwapTimeline {
    /** The steps, in the order they happen. */
    enum Step {
        /** The target is taken away: its factory went (bundle stop or update) or it failed. */
        LOST("lost"),
        /** Every queue has released it: it holds no request and no ring operation (or they were taken back). */
        DRAINED("drained"),
        /** The old target is closed: its files and locks are free for the next one. */
        CLOSED("old target closed"),
        /** A factory of the type is bound again (the updated bundle's). */
        FACTORY("new factory"),
        /** The management worker starts the attempt to serve the device again (after any back-off). */
        ATTEMPT("attempt"),
        /** The new target is open. */
        OPENED("new target opened"),
        /** Every queue has the new target and has handed it the held requests. */
        RESUMED("queues resumed");

        private final String label;

        Step(String label) {
            this.label = label;
        }
    }

    private final long[] at = new long[Step.values().length];
    private final String cause;

    /** A swap starting now, because of {@code cause}. */
    SwapTimeline(String cause) {
        this(cause, System.nanoTime());
    }

    /** A swap that started at {@code lostNanos} (System.nanoTime()). */
    SwapTimeline(String cause, long lostNanos) {
        this.cause = cause;
        at[Step.LOST.ordinal()] = lostNanos;
    }

    /** Marks {@code step} now; a step marked once keeps its first time. */
    synchronized void mark(Step step) {
        mark(step, System.nanoTime());
    }

    synchronized void mark(Step step, long nanos) {
        if (at[step.ordinal()] == 0) {
            at[step.ordinal()] = nanos;
        }
    }

    /** Whether {@code step} has happened. */
    synchronized boolean marked(Step step) {
        return at[step.ordinal()] != 0;
    }

    /**
     * The swap in one line: the whole pause, then each step marked as the milliseconds since the step before it,
     * e.g. {@code swap 1412.3 ms (its loop target service went away); drained 12.1, old target closed 0.3, new
     * factory 1380.2, attempt 0.4, new target opened 16.1, queues resumed 3.2 ms}.
     */
    synchronized String line() {
        StringBuilder b = new StringBuilder("swap ");
        long last = at[Step.LOST.ordinal()];
        long end = at[Step.RESUMED.ordinal()];
        b.append(end == 0 ? "not resumed" : ms(end - last) + " ms").append(" (").append(cause).append(");");
        String sep = " ";
        for (Step step : Step.values()) {
            long t = at[step.ordinal()];
            if (step == Step.LOST || t == 0) {
                continue;
            }
            b.append(sep).append(step.label).append(' ').append(ms(t - last));
            sep = ", ";
            last = t;
        }
        if (!sep.equals(" ")) {
            b.append(" ms");
        }
        if (at[Step.CLOSED.ordinal()] == 0) {
            b.append(sep).append("old target not closed yet");
        }
        return b.toString();
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }
}
