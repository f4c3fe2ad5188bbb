package io.jublk.core.device;

import io.jublk.target.TargetFactory;
import java.time.Duration;

/**
 * A device jublk is responsible for: its record, and, while it serves it, the running {@link UblkDevice}.
 * Changes happen under the object's monitor; listings read the volatile fields without it.
 */
final class ManagedDevice {
    final DeviceRecord record;
    volatile UblkDevice device;
    /** The factory whose target serves the device now. */
    volatile TargetFactory factory;
    volatile ServiceState state;
    /** Why the device is not serving, for listings; null while it serves. */
    volatile String reason;
    /** System.nanoTime() when the device last lost its target. */
    volatile long heldSince;
    /** The device's target was detached at least once (the first one, opened by add, is closed then). */
    volatile boolean targetDetached;
    /** Fresh targets attached to the running device (its target swapped), since this server knew it. */
    volatile long targetSwaps;
    /** Times this server took the device over with user recovery. */
    volatile long recoveries;
    /** The target swap under way (lost, not yet served again), for its log line; null when none is. */
    volatile SwapTimeline swap;
    /** System.nanoTime() when its served target last failed; 0 before it ever did. */
    long failedNanos;
    /** Back-off before the next attempt to re-open a failing target. */
    long retryMillis;

    ManagedDevice(DeviceRecord record, ServiceState state, String reason) {
        this.record = record;
        this.state = state;
        this.reason = reason;
    }

    int id() {
        return record.id();
    }

    String type() {
        return record.targetType();
    }

    void serving(UblkDevice served, TargetFactory from) {
        device = served;
        factory = from;
        state = ServiceState.SERVING;
        reason = null;
        retryMillis = 0;
    }

    /**
     * Under the monitor: the served target goes (failed, or its service went away): it finishes what it holds
     * (suspend, drain, close; {@code swap} times it for the line logged when a new target serves), and the device
     * holds its I/O, {@code why} in listings.
     */
    void detachTarget(SwapTimeline timeline, Duration drainLimit, String why) {
        swap = timeline;
        device.detachTarget(drainLimit, timeline);
        targetDetached = true;
        lostTarget(why);
    }

    void lostTarget(String why) {
        factory = null;
        if (state != ServiceState.FAILING_IO) {
            state = ServiceState.WAITING_FOR_TARGET;
            heldSince = System.nanoTime();
        }
        reason = why;
    }
}
