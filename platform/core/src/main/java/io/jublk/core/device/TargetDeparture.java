package io.jublk.core.device;

import io.jublk.target.TargetFactory;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A target service going away (its bundle stops or is updated): every device it serves lets its target finish
 * what it holds (suspend, drain, close: {@link UblkDevice#detachTarget}) and then holds its I/O for the next
 * target of the type. The devices drain at once, each on a thread of its own ({@code jublk-drain-N}, under the
 * device's monitor as every change of a device; {@link DeviceThreads}), so a device's pause is its own drain, not
 * the sum of the drains before it in a loop. {@link #drain} returns once every drain has ended or hit its limit: the departing
 * bundle's code must stay until then.
 */
final class TargetDeparture {
    private static final Logger LOG = LoggerFactory.getLogger(TargetDeparture.class);

    private final TargetFactory factory;
    private final boolean replaced;
    private final Duration drainLimit;
    private final ServingAgain serving;
    /** When the factory went: every device lost its target then, whenever its drain thread starts. */
    private final long lostNanos = System.nanoTime();

    /**
     * @param replaced whether another factory of the type is bound: each device is served again by it as soon
     *                 as its own drain has ended
     */
    TargetDeparture(TargetFactory factory, boolean replaced, Duration drainLimit, ServingAgain serving) {
        this.factory = factory;
        this.replaced = replaced;
        this.drainLimit = drainLimit;
        this.serving = serving;
    }

    /** Drains every device of {@code devices} that the factory's target serves; returns when all have ended. */
    void drain(List<ManagedDevice> devices) {
        // by type only: whether the factory serves m is read under m's monitor (an attach may be under way)
        List<ManagedDevice> ofType = devices.stream().filter(m -> m.type().equals(factory.type())).toList();
        DeviceThreads.eachAtOnce("jublk-drain", "draining the target of", ofType, this::drainOne);
    }

    private void drainOne(ManagedDevice m) {
        synchronized (m) {
            if (m.factory != factory || m.device == null) {
                return;
            }
            String why = "its " + m.type() + " target service went away";
            m.detachTarget(new SwapTimeline(why, lostNanos), drainLimit, why);
            LOG.info("ublk device {} holds its I/O until a '{}' target is back", m.id(), m.type());
            if (replaced) {
                serving.later(m, 0);
            }
        }
    }
}
