package io.jublk.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.core.device.DeviceEvents;
import io.jublk.core.device.IoCounters;
import io.jublk.core.queue.LatencyHistogram;
import io.jublk.core.queue.QueueCounters;
import java.util.List;
import org.junit.Test;

/** ublk:stat: a device's queues summed into one line; rates over an interval. */
public class StatCommandTest {
    private final Console console = new Console();

    /** By operation (READ, WRITE, FLUSH, DISCARD, WRITE_ZEROES): requests, then bytes, then errors. */
    private static IoCounters counters(long reads, long readBytes, long writes, long writeBytes, long errors) {
        long[] c = new long[QueueCounters.LENGTH];
        System.arraycopy(new long[] {reads, writes, 1, 0, 0, readBytes, writeBytes, 0, 0, 0, errors, 0, 0, 0, 0}, 0,
                c, 0, 15);
        return new IoCounters(c);
    }

    @Test
    public void totalsSumTheQueues() throws Exception {
        console.ublk.counters.put(0, List.of(counters(10, 40960, 2, 8192, 1), counters(5, 20480, 0, 0, 0)));
        console.ublk.counters.put(3, List.of());
        String out = console.run("ublk:stat");
        assertEquals("dev 0: read 15 (61440 bytes) write 2 (8192 bytes) flush 2 discard 0 write-zeroes 0 errors 1"
                + " in-flight 0 held 0 swaps 0 recoveries 0\n"
                + "dev 3: read 0 (0 bytes) write 0 (0 bytes) flush 0 discard 0 write-zeroes 0 errors 0"
                + " in-flight 0 held 0 swaps 0 recoveries 0\n", out);
        assertEquals("dev 3: read 0 (0 bytes) write 0 (0 bytes) flush 0 discard 0 write-zeroes 0 errors 0"
                + " in-flight 0 held 0 swaps 0 recoveries 0\n", console.run("ublk:stat -n 3"));
    }

    /** In flight and held summed over the queues, the device's swaps and recoveries, and -l's percentiles. */
    @Test
    public void gaugesEventsAndLatency() throws Exception {
        long[] q0 = counters(10, 40960, 0, 0, 0).counts();
        q0[QueueCounters.ARRIVALS] = 13;
        q0[QueueCounters.COMMITS] = 10;
        q0[QueueCounters.HELD] = 1;
        q0[QueueCounters.LATENCY + 1] = 99; // [1.024, 2.048) µs
        long[] q1 = counters(0, 0, 0, 0, 0).counts();
        q1[QueueCounters.HELD] = 2;
        q1[QueueCounters.LATENCY + LatencyHistogram.bucket(1_000_000)] = 1; // one request of about 1 ms
        console.ublk.counters.put(5, List.of(new IoCounters(q0), new IoCounters(q1)));
        console.ublk.events.put(5, new DeviceEvents(2, 1));
        String out = console.run("ublk:stat -n 5 -l");
        // p50 half way through [1024, 2048) ns; p99.9 nine tenths through the 1 ms request's [917504, 1048576)
        assertTrue(out, out.endsWith(" errors 0 in-flight 3 held 3 swaps 2 recoveries 1"
                + " lat-us p50 1.5 p90 2.0 p99 2.0 p99.9 1035.5 (n 100)\n"));
    }

    @Test
    public void ratesOverAnInterval() {
        String line = StatCommand.rates(1, counters(300, 1228800, 20, 81920, 2), counters(100, 409600, 0, 0, 1), 2);
        assertEquals("dev 1: r/s 100.0 rkB/s 400.0 w/s 10.0 wkB/s 40.0 f/s 0.0 d/s 0.0 errors 1 in-flight 0 held 0",
                line);
    }

    @Test
    public void badArgumentsAreOneLine() throws Exception {
        for (String line : new String[] {"ublk:stat -n 9", "ublk:stat -c 3", "ublk:stat -i 0",
            "ublk:stat -l 3"}) {
            try {
                console.run(line);
                fail("accepted: " + line);
            } catch (Exception e) {
                assertTrue(e.getMessage(), !e.getMessage().contains("\n"));
            }
        }
    }
}
