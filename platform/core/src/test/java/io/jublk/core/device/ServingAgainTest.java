package io.jublk.core.device;

import static org.junit.Assert.assertEquals;

import io.jublk.target.TargetOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Test;

/** When a device whose target failed gets its next target: the waits the worker is told to make. */
public class ServingAgainTest {
    private static final long SECOND = 1_000_000_000L;

    /** A worker that only notes the delays it is given. */
    private static final class NotingWorker extends ScheduledThreadPoolExecutor {
        final List<Long> delaysMillis = new CopyOnWriteArrayList<>();

        NotingWorker() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            delaysMillis.add(unit.toMillis(delay));
            return super.schedule(() -> { }, 1, TimeUnit.DAYS);
        }
    }

    private final NotingWorker worker = new NotingWorker();
    private final ServingAgain serving = new ServingAgain(worker, new DeviceRegistry(), new TargetFactories(),
            () -> CoreConfig.DEFAULT, new StartRecovery());
    private final ManagedDevice device = new ManagedDevice(new DeviceRecord(1, "loop",
            new TargetOptions(Map.of("file", "/x")), 1, 64, 512 << 10, 0), ServiceState.WAITING_FOR_TARGET, "failed");

    @After
    public void tearDown() {
        worker.shutdownNow();
    }

    @Test
    public void aTargetsFirstFailureIsReplacedWithoutWaiting() {
        serving.retryAfterFailure(device, 100 * SECOND);
        assertEquals("no back-off before the first replacement: the pause is the drain alone", List.of(0L),
                worker.delaysMillis);
    }

    @Test
    public void aTargetThatKeepsFailingIsReplacedWithBackOff() {
        serving.retryAfterFailure(device, 100 * SECOND);
        device.serving(null, null); // the replacement was attached (the back-off starts afresh)...
        serving.retryAfterFailure(device, 101 * SECOND); // ...and failed a second later
        serving.backOff(device); // its replacement would not open
        assertEquals(List.of(0L, 500L, 1000L), worker.delaysMillis);
    }

    @Test
    public void aFailureLongAfterTheLastIsAFirstOneAgain() {
        serving.retryAfterFailure(device, 100 * SECOND);
        device.serving(null, null);
        serving.retryAfterFailure(device, 131 * SECOND);
        assertEquals(List.of(0L, 0L), worker.delaysMillis);
    }
}
