package io.jublk.core.queue;

import io.jublk.target.IoOperation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One queue's request counters, since the queue started: requests and bytes by operation, errors, requests
 * that arrived and were committed (their difference is the requests in flight), and the latency from a
 * request's arrival (its FETCH completing) to its commit as a {@link LatencyHistogram}. Written by the queue
 * thread only ({@link #arrived}, {@link #committed}: no allocation, no lock, no fence); read from any thread
 * with {@link #read}, each number as it was at some moment (opaque reads: never torn, maybe a request behind).
 * Switched off ({@link #enable}), the queue thread skips all of it, the clock too.
 *
 * <p>The clock is read once a loop turn, not once a request (under TCG a clock read costs as much as a tenth
 * of a request): a request arrives when the turn that reaped its fetch began ({@link #turnStarted}), and is
 * committed when the turn that queued its commit ends and submits it ({@link #turnEnded}), which is when the
 * kernel sees the commit. Its latency goes into the histogram then.
 */
public final class QueueCounters {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int OPERATIONS = IoOperation.values().length;
    /** Where {@link #read}'s numbers are: by operation requests, bytes, errors, then the rest. */
    public static final int ARRIVALS = 3 * OPERATIONS;
    public static final int COMMITS = ARRIVALS + 1;
    /** Requests held (no target, or fenced) when read; filled in by the queue's reader. */
    public static final int HELD = COMMITS + 1;
    public static final int LATENCY = HELD + 1;
    public static final int LATENCY_SUM_NANOS = LATENCY + LatencyHistogram.BUCKETS;
    public static final int LENGTH = LATENCY_SUM_NANOS + 1;

    /** One array, so the hot path touches one object beside the arrival times. */
    private final long[] counts = new long[LENGTH];
    /** System.nanoTime() of each tag's request's arrival; queue thread only. */
    private final long[] arrivedAt;
    /** Tags committed in this turn whose latency is still to be recorded, and how many. */
    private final int[] committedTags;
    private int committedCount;
    /** The clock at the start of this turn, read at its first arrival; 0: not read yet. */
    private long turnStart;
    private volatile boolean enabled = true;

    QueueCounters(int depth) {
        arrivedAt = new long[depth];
        committedTags = new int[depth];
    }

    /** The queue thread woke up with completions: a new turn (its clock is read at its first arrival). */
    void turnStarted() {
        turnStart = 0;
    }

    /**
     * The queue thread is about to submit what this turn queued: the commits go to the kernel now, and
     * their latencies into the histogram.
     */
    void turnEnded() {
        int n = committedCount;
        if (n == 0) {
            return;
        }
        committedCount = 0;
        long now = System.nanoTime();
        long sum = counts[LATENCY_SUM_NANOS];
        for (int i = 0; i < n; i++) {
            int tag = committedTags[i];
            long nanos = now - arrivedAt[tag];
            arrivedAt[tag] = 0;
            int bucket = LATENCY + LatencyHistogram.bucket(nanos);
            SLOT.setOpaque(counts, bucket, counts[bucket] + 1);
            sum += nanos;
        }
        SLOT.setOpaque(counts, LATENCY_SUM_NANOS, sum);
    }

    /** Counting on or off (the core's {@code metrics} key); any thread, seen by the queue thread soon after. */
    public void enable(boolean on) {
        enabled = on;
    }

    /** The kernel handed the queue thread {@code tag}'s request. */
    void arrived(int tag) {
        if (enabled) {
            if (arrivedAt[tag] != 0) {
                // its last commit went out early (a mid-turn submit) and it is back in the same turn: time it now
                turnEnded();
            }
            if (turnStart == 0) {
                turnStart = System.nanoTime() | 1; // never 0: 0 means "not counted"
            }
            arrivedAt[tag] = turnStart;
            SLOT.setOpaque(counts, ARRIVALS, counts[ARRIVALS] + 1);
        }
    }

    /**
     * The queue thread committed {@code tag}'s request of {@code operation} (null: too bad to name one) with
     * {@code result} (bytes, or a negative errno).
     */
    void committed(int tag, IoOperation operation, int result) {
        boolean on = enabled;
        long started = arrivedAt[tag];
        if (started != 0) { // 0: it arrived while counting was off; it leaves the in-flight count all the same
            SLOT.setOpaque(counts, COMMITS, counts[COMMITS] + 1);
            if (on) {
                if (committedCount == committedTags.length) {
                    turnEnded(); // cannot happen (a tag is pending once), but never an exception on this thread
                }
                committedTags[committedCount++] = tag; // timed when the turn ends
            } else {
                arrivedAt[tag] = 0;
            }
        }
        if (!on) {
            return;
        }
        if (operation == null) {
            return;
        }
        int op = operation.ordinal();
        SLOT.setOpaque(counts, op, counts[op] + 1);
        if (result > 0) {
            SLOT.setOpaque(counts, OPERATIONS + op, counts[OPERATIONS + op] + result);
        } else if (result < 0) {
            SLOT.setOpaque(counts, 2 * OPERATIONS + op, counts[2 * OPERATIONS + op] + 1);
        }
    }

    /**
     * The numbers now, from any thread, {@link #LENGTH} of them as the constants place them
     * ({@code io.jublk.core.device.IoCounters} reads them); {@link #HELD} is 0 here.
     */
    public long[] read() {
        long[] copy = new long[counts.length];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = (long) SLOT.getOpaque(counts, i);
        }
        return copy;
    }
}
