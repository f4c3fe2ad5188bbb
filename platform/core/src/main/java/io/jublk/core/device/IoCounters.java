package io.jublk.core.device;

import io.jublk.core.queue.LatencyHistogram;
import io.jublk.core.queue.QueueCounters;
import io.jublk.target.IoOperation;
import java.util.Arrays;
import java.util.List;

/**
 * Request counters of a queue, or summed, of a device, since its queues started: requests, bytes and errors
 * by operation, requests in flight and held, and the latency histogram from a request's arrival to its
 * commit. {@code counts} holds them as {@link QueueCounters#read} places them.
 */
public record IoCounters(long[] counts) {
    private static final int OPERATIONS = IoOperation.values().length;
    public static final IoCounters ZERO = new IoCounters(new long[QueueCounters.LENGTH]);

    public IoCounters {
        if (counts.length != QueueCounters.LENGTH) {
            throw new IllegalArgumentException("counts: " + counts.length + " numbers, not " + QueueCounters.LENGTH);
        }
        counts = counts.clone();
    }

    public long requests(IoOperation op) {
        return counts[op.ordinal()];
    }

    public long bytes(IoOperation op) {
        return counts[OPERATIONS + op.ordinal()];
    }

    public long errors(IoOperation op) {
        return counts[2 * OPERATIONS + op.ordinal()];
    }

    /** Errors of every operation. */
    public long errors() {
        long sum = 0;
        for (IoOperation op : IoOperation.values()) {
            sum += errors(op);
        }
        return sum;
    }

    /** Requests the kernel handed over that are not committed yet (with the target, held, or copying). */
    public long inFlight() {
        return Math.max(0, counts[QueueCounters.ARRIVALS] - counts[QueueCounters.COMMITS]);
    }

    /** Requests held now: no target, or fenced by a stuck one. */
    public long held() {
        return counts[QueueCounters.HELD];
    }

    /** Requests in each {@link LatencyHistogram} bucket (a copy). */
    public long[] latencyBuckets() {
        return Arrays.copyOfRange(counts, QueueCounters.LATENCY, QueueCounters.LATENCY + LatencyHistogram.BUCKETS);
    }

    /** Requests whose latency was measured. */
    public long latencyCount() {
        long n = 0;
        for (int i = 0; i < LatencyHistogram.BUCKETS; i++) {
            n += counts[QueueCounters.LATENCY + i];
        }
        return n;
    }

    /** The sum of the measured latencies, in nanoseconds. */
    public long latencySumNanos() {
        return counts[QueueCounters.LATENCY_SUM_NANOS];
    }

    /** The latency below which a fraction {@code q} (0..1) of the measured requests lie, in nanoseconds. */
    public long latencyPercentileNanos(double q) {
        return LatencyHistogram.percentileNanos(latencyBuckets(), q);
    }

    /** {@code this} minus {@code earlier} (the same queues, read before), gauges (in flight, held) as now. */
    public IoCounters since(IoCounters earlier) {
        long[] d = counts.clone();
        for (int i = 0; i < d.length; i++) {
            if (i != QueueCounters.HELD && i != QueueCounters.ARRIVALS && i != QueueCounters.COMMITS) {
                d[i] -= earlier.counts[i];
            }
        }
        return new IoCounters(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IoCounters other && Arrays.equals(counts, other.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "IoCounters" + Arrays.toString(counts);
    }

    /** The sum of {@code queues}. */
    public static IoCounters sum(List<IoCounters> queues) {
        long[] sum = new long[QueueCounters.LENGTH];
        for (IoCounters q : queues) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += q.counts[i];
            }
        }
        return new IoCounters(sum);
    }
}
