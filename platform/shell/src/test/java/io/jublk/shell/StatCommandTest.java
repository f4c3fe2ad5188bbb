package io.jublk.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.core.device.IoCounters;
import java.util.List;
import org.junit.Test;

/** ublk:stat: a device's queues summed into one line; rates over an interval. */
public class StatCommandTest {
    private final Console console = new Console();

    /** By operation (READ, WRITE, FLUSH, DISCARD, WRITE_ZEROES): requests, then bytes, then errors. */
    private static IoCounters counters(long reads, long readBytes, long writes, long writeBytes, long errors) {
        return new IoCounters(new long[] {reads, writes, 1, 0, 0, readBytes, writeBytes, 0, 0, 0, errors, 0, 0, 0, 0});
    }

    @Test
    public void totalsSumTheQueues() throws Exception {
        console.ublk.counters.put(0, List.of(counters(10, 40960, 2, 8192, 1), counters(5, 20480, 0, 0, 0)));
        console.ublk.counters.put(3, List.of());
        String out = console.run("ublk:stat");
        assertEquals("dev 0: read 15 (61440 bytes) write 2 (8192 bytes) flush 2 discard 0 write-zeroes 0 errors 1\n"
                + "dev 3: read 0 (0 bytes) write 0 (0 bytes) flush 0 discard 0 write-zeroes 0 errors 0\n", out);
        assertEquals("dev 3: read 0 (0 bytes) write 0 (0 bytes) flush 0 discard 0 write-zeroes 0 errors 0\n",
                console.run("ublk:stat -n 3"));
    }

    @Test
    public void ratesOverAnInterval() {
        String line = StatCommand.rates(1, counters(300, 1228800, 20, 81920, 2), counters(100, 409600, 0, 0, 1), 2);
        assertEquals("dev 1: r/s 100.0 rkB/s 400.0 w/s 10.0 wkB/s 40.0 f/s 0.0 d/s 0.0 errors 1", line);
    }

    @Test
    public void badArgumentsAreOneLine() throws Exception {
        for (String line : new String[] {"ublk:stat -n 9", "ublk:stat -c 3", "ublk:stat -i 0"}) {
            try {
                console.run(line);
                fail("accepted: " + line);
            } catch (Exception e) {
                assertTrue(e.getMessage(), !e.getMessage().contains("\n"));
            }
        }
    }
}
