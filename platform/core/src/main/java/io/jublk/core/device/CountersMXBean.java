package io.jublk.core.device;

import io.jublk.target.IoOperation;
import java.util.List;

/**
 * The request counters over JMX ({@code io.jublk:type=Counters}, registered through the Aries JMX whiteboard
 * Karaf runs): one row a served device, summed over its queues, as {@code ublk:stat} prints them.
 */
public interface CountersMXBean {
    List<Row> getDevices();

    /**
     * One device's counters since its queues started (swaps and recoveries: since this server started), and
     * its request latency from arrival to commit: count, sum and percentiles from the histogram.
     */
    record Row(int id, long reads, long readBytes, long writes, long writeBytes, long flushes, long discards,
               long writeZeroes, long errors, long inFlight, long held, long targetSwaps, long recoveries,
               long latencyCount, long latencySumNanos, long latencyP50Nanos, long latencyP99Nanos,
               long latencyP999Nanos) {
        static Row of(int id, IoCounters c, DeviceEvents e) {
            return new Row(id, c.requests(IoOperation.READ), c.bytes(IoOperation.READ),
                    c.requests(IoOperation.WRITE), c.bytes(IoOperation.WRITE), c.requests(IoOperation.FLUSH),
                    c.requests(IoOperation.DISCARD), c.requests(IoOperation.WRITE_ZEROES), c.errors(),
                    c.inFlight(), c.held(), e.targetSwaps(), e.recoveries(), c.latencyCount(), c.latencySumNanos(),
                    c.latencyPercentileNanos(0.5), c.latencyPercentileNanos(0.99), c.latencyPercentileNanos(0.999));
        }
    }
}
