package io.jublk.core.device;

import java.util.List;

/**
 * The request counters over JMX ({@code io.jublk:type=Counters}, registered through the Aries JMX whiteboard
 * Karaf runs): one row a served device, summed over its queues, as {@code ublk:stat} prints them.
 */
public interface CountersMXBean {
    List<Row> getDevices();

    /** One device's counters since its queues started. */
    record Row(int id, long reads, long readBytes, long writes, long writeBytes, long flushes, long discards,
               long writeZeroes, long errors) {
        static Row of(int id, IoCounters c) {
            return new Row(id, c.requests(io.jublk.target.IoOperation.READ),
                    c.bytes(io.jublk.target.IoOperation.READ), c.requests(io.jublk.target.IoOperation.WRITE),
                    c.bytes(io.jublk.target.IoOperation.WRITE), c.requests(io.jublk.target.IoOperation.FLUSH),
                    c.requests(io.jublk.target.IoOperation.DISCARD),
                    c.requests(io.jublk.target.IoOperation.WRITE_ZEROES), c.errors());
        }
    }
}
