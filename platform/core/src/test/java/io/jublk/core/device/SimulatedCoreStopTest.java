package io.jublk.core.device;

import static io.jublk.core.device.SimulatedDevices.WAIT_MILLIS;
import static io.jublk.core.device.SimulatedDevices.assertAnsweredOnce;
import static io.jublk.core.device.SimulatedDevices.await;
import static io.jublk.core.device.SimulatedDevices.pattern;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.jublk.core.device.SimulatedDevices.Factory;
import io.jublk.core.device.SimulatedDevices.Served;
import io.jublk.core.uapi.Feature;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The core stopping (bundle stop, restart or update) while it serves two devices with user recovery, one of them
 * with a hung target: the real {@link DeviceManager#deactivate} and queues, against a simulated driver (no ublk
 * kernel, so no QUIESCE_DEV: each device is released by draining its target and ending its queues, as on kernels
 * without it). Each device is released on its own thread: the one whose target answers is released, its target
 * closed and its queue ended, while the hung one still holds its request, far within the drain limit; the stop
 * returns only once that one is released too; every request is answered exactly once.
 */
public class SimulatedCoreStopTest {
    /** Longer than any wait below: a release that waited out the hung device's limit fails the test. */
    private static final String DRAIN_LIMIT_SECONDS = "60";

    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    private SimulatedDevices sim;

    @Before
    public void setUp() throws Exception {
        sim = new SimulatedDevices(tmp.getRoot().toPath(), DRAIN_LIMIT_SECONDS);
    }

    @After
    public void tearDown() throws Exception {
        sim.close();
    }

    @Test
    public void aDeviceIsReleasedWithoutWaitingForAnotherDevicesHungTarget() throws Exception {
        Factory factory = new Factory(sim::holdingTarget);
        sim.core.addTarget(factory);
        Served hung = sim.serve(1, factory, Feature.USER_RECOVERY.mask()); // the lower id: a loop releases it first
        Served quick = sim.serve(2, factory, Feature.USER_RECOVERY.mask());
        hung.queue().write(0, 8, pattern(1));
        quick.queue().write(0, 8, pattern(2));
        await(() -> hung.target().submitted.get() == 1 && quick.target().submitted.get() == 1, "both targets hold");

        Thread stop = sim.inBackground("test-core-restart", sim.core::deactivate);
        quick.target().answerAll(); // during its release or just before it: either way answered once
        assertAnsweredOnce(quick.queue(), 0);
        await(() -> quick.managed().device == null && quick.queue().runner().finished().isDone(),
                "the quick device is released, its queue ended");
        assertEquals("the quick device's target is closed", 1, quick.target().closes.get());

        assertTrue("the stop waits for the hung device's release", stop.isAlive());
        assertTrue("its release runs on a thread named for it", threadNamed("jublk-release-1"));
        assertNotNull("the hung device is not released yet", hung.managed().device);
        assertFalse(hung.queue().runner().finished().isDone());
        assertEquals("the hung target is not closed under its request", 0, hung.target().closes.get());
        assertNull("the hung target's request is not answered yet", hung.queue().awaitAnswer(0));

        assertEquals(1, hung.target().answerAll()); // it answers at last, within its limit
        stop.join(WAIT_MILLIS);
        assertFalse("the stop returned once the last release ended", stop.isAlive());
        assertAnsweredOnce(hung.queue(), 0);
        assertNull(hung.managed().device);
        assertTrue(hung.queue().runner().finished().isDone());
        assertEquals(1, hung.target().closes.get());
        assertEquals(1, quick.target().closes.get());
    }

    private static boolean threadNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name));
    }
}
