package io.jublk.core.device;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one step for several devices at once, each on a platform thread of its own named {@code PREFIX-ID} (a
 * thread dump shows which device a stuck step is on), and returns once every one has ended: a device's pause is
 * then its own step, not the sum of the steps before it in a loop. Used where a bundle's code must stay until
 * every device is done with it (a target service going, the core stopping), so it waits on through interrupts.
 */
final class DeviceThreads {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceThreads.class);

    private DeviceThreads() {
    }

    /**
     * {@code step} for each of {@code devices} at once; returns when all have ended. A step's exception or error
     * is one line in the log naming {@code what} and the device, and never reaches the caller.
     */
    static void eachAtOnce(String prefix, String what, List<ManagedDevice> devices, Consumer<ManagedDevice> step) {
        List<Thread> threads = new ArrayList<>();
        for (ManagedDevice m : devices) {
            threads.add(Thread.ofPlatform().name(prefix + "-" + m.id()).daemon(true).start(() -> {
                try {
                    step.accept(m);
                } catch (RuntimeException | Error e) {
                    LOG.error("{} ublk device {}: {}", what, m.id(), e.toString(), e);
                }
            }));
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true; // the caller's code must stay until the step has ended: wait on
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
