package io.jublk.core.device;

import static org.junit.Assert.assertTrue;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

/** The device watchdog's schedule outlives a turn that throws (a fixed-delay schedule alone does not). */
public class WatchdogScheduleTest {

    @Test
    public void aTurnThatThrowsDoesNotEndTheWatchdog() throws Exception {
        ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger turns = new AtomicInteger();
        try {
            worker.scheduleWithFixedDelay(DeviceManager.surviving("test watchdog", () -> {
                turns.incrementAndGet();
                throw new IllegalStateException("a device list changed under the watchdog");
            }), 0, 5, TimeUnit.MILLISECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (turns.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue("the watchdog ran on after a failed turn: " + turns.get() + " turns", turns.get() >= 3);
        } finally {
            worker.shutdownNow();
        }
    }
}
