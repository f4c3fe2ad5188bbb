package io.jublk.core.device;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class FioLatencyTest {
    @Test
    public void takesTheLongestLatencyOverSectionsAndUnits() {
        String out = """
                  write: IOPS=1234, BW=4936KiB/s (5054kB/s)(32.0MiB/6638msec); 0 zone resets
                    slat (usec): min=3, max=91000, avg=10.00, stdev=1.00
                    clat (usec): min=40, max=9000k, avg=900.00, stdev=20.00
                     lat (usec): min=45, max=2105k, avg=912.15, stdev=30.00
                  read: IOPS=2000, BW=8000KiB/s
                     lat (msec): min=1, max=35, avg=2.00, stdev=1.00
                """;
        assertEquals(2105, FioLatency.maxMillis(out));
        assertEquals(-1, FioLatency.maxMillis("no latency here"));
    }
}
