package io.jublk.core.queue;

/**
 * The log-linear buckets of the request latency (FETCH arrival to commit): each power of two of a
 * {@link #UNIT_NANOS} unit is split into four equal buckets, so a bucket is at most 25 % of its lower bound
 * wide, from 0 to {@link #BUCKETS} buckets that end at 2^26 units (about 68.7 s); the last bucket takes
 * everything above too. Pure arithmetic: {@link QueueCounters} keeps the counts.
 */
public final class LatencyHistogram {
    /** The smallest step: 1024 ns (a shift, not a division, on the queue thread). */
    public static final long UNIT_NANOS = 1024;
    private static final int UNIT_SHIFT = 10;
    /** Octaves above the first four units; 4 buckets each. */
    private static final int OCTAVES = 24;
    public static final int BUCKETS = 4 + 4 * OCTAVES;

    private LatencyHistogram() {
    }

    /** The bucket of a latency in nanoseconds (negative counts as 0). */
    public static int bucket(long nanos) {
        long units = Math.max(nanos, 0) >>> UNIT_SHIFT;
        if (units < 4) {
            return (int) units;
        }
        int octave = 63 - Long.numberOfLeadingZeros(units); // >= 2
        int bucket = 4 * (octave - 1) + (int) ((units >>> (octave - 2)) & 3);
        return Math.min(bucket, BUCKETS - 1);
    }

    /** The smallest latency in {@code bucket}, in nanoseconds. */
    public static long lowerNanos(int bucket) {
        if (bucket < 4) {
            return bucket * UNIT_NANOS;
        }
        int octave = bucket / 4 + 1;
        return ((4L + bucket % 4) << (octave - 2)) * UNIT_NANOS;
    }

    /**
     * The first latency above {@code bucket}, in nanoseconds ({@link Long#MAX_VALUE} for the last: it has no
     * upper end). A Prometheus {@code le} bound.
     */
    public static long upperNanos(int bucket) {
        return bucket == BUCKETS - 1 ? Long.MAX_VALUE : lowerNanos(bucket + 1);
    }

    /**
     * The latency below which a fraction {@code q} (0..1) of the counted requests lie, interpolated
     * linearly inside its bucket; the last bucket answers its lower bound. 0 when nothing was counted.
     */
    public static long percentileNanos(long[] buckets, double q) {
        if (q < 0 || q > 1 || Double.isNaN(q) || buckets.length != BUCKETS) {
            throw new IllegalArgumentException("percentile of " + q + " over " + buckets.length + " buckets");
        }
        long total = 0;
        for (long b : buckets) {
            total += b;
        }
        if (total == 0) {
            return 0;
        }
        double rank = q * total;
        long below = 0;
        for (int i = 0; i < BUCKETS; i++) {
            long n = buckets[i];
            if (n > 0 && below + n >= rank) {
                if (i == BUCKETS - 1) {
                    return lowerNanos(i);
                }
                double within = Math.max(0, rank - below) / n;
                return lowerNanos(i) + Math.round(within * (upperNanos(i) - lowerNanos(i)));
            }
            below += n;
        }
        return lowerNanos(BUCKETS - 1);
    }
}
