package io.jublk.core.queue;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** The latency buckets: their bounds, that they tile the range, and percentiles read from them. */
public class LatencyHistogramTest {
    private static final long U = LatencyHistogram.UNIT_NANOS;

    @Test
    public void bucketBoundaries() {
        assertEquals(0, LatencyHistogram.bucket(0));
        assertEquals(0, LatencyHistogram.bucket(-5)); // a clock that went back counts as 0
        assertEquals(0, LatencyHistogram.bucket(U - 1));
        assertEquals(1, LatencyHistogram.bucket(U));
        assertEquals(3, LatencyHistogram.bucket(4 * U - 1));
        assertEquals(4, LatencyHistogram.bucket(4 * U));
        assertEquals(5, LatencyHistogram.bucket(5 * U));
        assertEquals(7, LatencyHistogram.bucket(8 * U - 1));
        assertEquals(8, LatencyHistogram.bucket(8 * U)); // from 8 units, a bucket is 2 units wide
        assertEquals(8, LatencyHistogram.bucket(10 * U - 1));
        assertEquals(9, LatencyHistogram.bucket(10 * U));
        assertEquals(12, LatencyHistogram.bucket(16 * U));
        assertEquals(LatencyHistogram.BUCKETS - 1, LatencyHistogram.bucket(Long.MAX_VALUE));
        assertEquals(LatencyHistogram.BUCKETS - 1, LatencyHistogram.bucket(70_000_000_000L)); // 70 s
        assertEquals(LatencyHistogram.BUCKETS - 2, LatencyHistogram.bucket((1L << 26) * U - 1 - (1L << 23) * U));
    }

    @Test
    public void bucketsTileTheRangeEachAtMostAQuarterWide() {
        assertEquals(0, LatencyHistogram.lowerNanos(0));
        for (int b = 0; b < LatencyHistogram.BUCKETS - 1; b++) {
            long lower = LatencyHistogram.lowerNanos(b);
            long upper = LatencyHistogram.upperNanos(b);
            assertEquals("next bucket starts where this one ends", upper, LatencyHistogram.lowerNanos(b + 1));
            assertEquals(b, LatencyHistogram.bucket(lower));
            assertEquals(b, LatencyHistogram.bucket(upper - 1));
            assertEquals(b + 1, LatencyHistogram.bucket(upper));
            assertTrue("bucket " + b + " [" + lower + ", " + upper + ")",
                    b < 4 ? upper - lower == U : (upper - lower) * 4 <= lower);
        }
        assertEquals(Long.MAX_VALUE, LatencyHistogram.upperNanos(LatencyHistogram.BUCKETS - 1));
        assertTrue(LatencyHistogram.lowerNanos(LatencyHistogram.BUCKETS - 1) > 60_000_000_000L);
    }

    @Test
    public void percentilesInterpolateInsideTheirBucket() {
        long[] buckets = new long[LatencyHistogram.BUCKETS];
        assertEquals(0, LatencyHistogram.percentileNanos(buckets, 0.99));
        buckets[1] = 90; // [1, 2) units
        buckets[12] = 10; // [16, 20) units
        assertEquals(U + U / 2, LatencyHistogram.percentileNanos(buckets, 0.45)); // half way through bucket 1
        assertEquals(2 * U, LatencyHistogram.percentileNanos(buckets, 0.90));
        assertEquals(18 * U, LatencyHistogram.percentileNanos(buckets, 0.95));
        assertEquals(20 * U, LatencyHistogram.percentileNanos(buckets, 1.0));
        buckets[LatencyHistogram.BUCKETS - 1] = 100; // beyond the range: its lower end, not infinity
        assertEquals(LatencyHistogram.lowerNanos(LatencyHistogram.BUCKETS - 1),
                LatencyHistogram.percentileNanos(buckets, 0.99));
    }

    @Test(expected = IllegalArgumentException.class)
    public void aFractionOutsideZeroToOneIsRefused() {
        LatencyHistogram.percentileNanos(new long[LatencyHistogram.BUCKETS], 99);
    }
}
