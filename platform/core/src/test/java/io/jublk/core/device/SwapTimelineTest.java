package io.jublk.core.device;

import static org.junit.Assert.assertEquals;

import io.jublk.core.device.SwapTimeline.Step;
import org.junit.Test;

public class SwapTimelineTest {
    private static final long MS = 1_000_000;

    @Test
    public void aBundleUpdateShowsEachStepSinceTheOneBefore() {
        SwapTimeline swap = new SwapTimeline("its loop target service went away", 1000 * MS);
        swap.mark(Step.DRAINED, 1012 * MS);
        swap.mark(Step.CLOSED, 1012 * MS + 300_000);
        swap.mark(Step.FACTORY, 2400 * MS);
        swap.mark(Step.ATTEMPT, 2401 * MS);
        swap.mark(Step.OPENED, 2417 * MS);
        swap.mark(Step.RESUMED, 2420 * MS);
        assertEquals("swap 1420.0 ms (its loop target service went away); drained 12.0, old target closed 0.3,"
                + " new factory 1387.7, attempt 1.0, new target opened 16.0, queues resumed 3.0 ms", swap.line());
    }

    @Test
    public void aFailedTargetHasNoFactoryStepAndAStepKeepsItsFirstTime() {
        SwapTimeline swap = new SwapTimeline("its target failed", 0);
        swap.mark(Step.DRAINED, 2 * MS);
        swap.mark(Step.CLOSED, 3 * MS);
        swap.mark(Step.ATTEMPT, 503 * MS);
        swap.mark(Step.ATTEMPT, 1503 * MS); // a second attempt after the first failed to open
        swap.mark(Step.OPENED, 1504 * MS);
        swap.mark(Step.RESUMED, 1505 * MS);
        assertEquals("swap 1505.0 ms (its target failed); drained 2.0, old target closed 1.0, attempt 500.0,"
                + " new target opened 1001.0, queues resumed 1.0 ms", swap.line());
    }

    @Test
    public void aStuckTargetIsSaidToBeOpenStill() {
        SwapTimeline swap = new SwapTimeline("its target failed", 0);
        swap.mark(Step.ATTEMPT, 10_000 * MS);
        swap.mark(Step.OPENED, 10_001 * MS);
        swap.mark(Step.RESUMED, 10_002 * MS);
        assertEquals("swap 10002.0 ms (its target failed); attempt 10000.0, new target opened 1.0, queues resumed"
                + " 1.0 ms, old target not closed yet", swap.line());
    }
}
