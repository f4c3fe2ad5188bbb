package io.jublk.core.device;

import static io.jublk.core.device.SimulatedDevices.LENGTH;
import static io.jublk.core.device.SimulatedDevices.WAIT_MILLIS;
import static io.jublk.core.device.SimulatedDevices.assertAnsweredOnce;
import static io.jublk.core.device.SimulatedDevices.await;
import static io.jublk.core.device.SimulatedDevices.pattern;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.jublk.core.device.SimulatedDevices.Factory;
import io.jublk.core.device.SimulatedDevices.Served;
import io.jublk.core.device.SwapTimeline.Step;
import io.jublk.core.queue.SimulatedQueue;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A target service going away (bundle update or stop) while it serves several devices, one of them hung: the
 * real {@link DeviceManager} and queues, against a simulated driver (no ublk kernel: the kernel's side of each
 * queue is played by {@link SimulatedQueue}). Each device drains on its own: one whose target answers is
 * drained, and its old target closed, while the hung one still holds its request, far within that one's drain
 * limit; the removal returns only once every drain has ended; every request is answered exactly once.
 */
public class SimulatedTargetRemovalTest {
    /** Longer than any wait below: a drain that waited out the hung device's limit fails the test. */
    private static final String DRAIN_LIMIT_SECONDS = "60";

    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    private SimulatedDevices sim;
    private DeviceManager core;

    @Before
    public void setUp() throws Exception {
        sim = new SimulatedDevices(tmp.getRoot().toPath(), DRAIN_LIMIT_SECONDS);
        core = sim.core;
    }

    @After
    public void tearDown() throws Exception {
        sim.close();
    }

    @Test
    public void aDeviceDrainsWithoutWaitingForAnotherDevicesHungTarget() throws Exception {
        Factory old = new Factory(sim::holdingTarget);
        core.addTarget(old);
        Served hung = serve(1, old); // the lower id: a loop over the devices drains it first
        Served quick = serve(2, old);
        byte[] first = pattern(1);
        hung.queue().write(0, 8, first);
        quick.queue().write(0, 8, first);
        await(() -> hung.target().submitted.get() == 1 && quick.target().submitted.get() == 1, "both targets hold");

        Thread removal = sim.inBackground("test-bundle-update", () -> core.removeTarget(old));
        quick.target().answerAll(); // during its drain or just before it: either way answered once
        assertAnsweredOnce(quick.queue(), 0);
        await(() -> quick.target().closes.get() == 1, "the quick device's old target is closed");
        SwapTimeline quickSwap = quick.managed().swap;
        assertTrue("drained mark", quickSwap.marked(Step.DRAINED));
        assertTrue("closed mark", quickSwap.marked(Step.CLOSED));

        assertTrue("the removal waits for the hung device's drain", removal.isAlive());
        assertEquals("the hung target is not closed under its request", 0, hung.target().closes.get());
        SwapTimeline hungSwap = hung.managed().swap;
        assertTrue(hungSwap == null || !hungSwap.marked(Step.DRAINED));
        assertNull("the hung target's request is not answered yet", hung.queue().awaitAnswer(0));

        assertEquals(1, hung.target().answerAll()); // it answers at last, within its limit
        removal.join(WAIT_MILLIS);
        assertFalse("the removal returned once the last drain ended", removal.isAlive());
        assertAnsweredOnce(hung.queue(), 0);
        assertEquals(1, hung.target().closes.get());
        assertTrue(hung.managed().swap.marked(Step.DRAINED));
        assertTrue(hung.managed().swap.marked(Step.CLOSED));
        assertEquals(ServiceState.WAITING_FOR_TARGET, core.state(1));
        assertEquals(ServiceState.WAITING_FOR_TARGET, core.state(2));

        // held meanwhile, then served by the updated bundle's target, once each
        byte[] second = pattern(2);
        hung.queue().write(1, 16, second);
        quick.queue().write(1, 16, second);
        List<RamTarget> next = new CopyOnWriteArrayList<>();
        Factory updated = new Factory(() -> SimulatedDevices.ram(next));
        core.addTarget(updated);
        assertAnsweredOnce(hung.queue(), 1);
        assertAnsweredOnce(quick.queue(), 1);
        await(() -> hung.managed().factory == updated && quick.managed().factory == updated, "both served");
        assertEquals(ServiceState.SERVING, core.state(1));
        assertEquals(ServiceState.SERVING, core.state(2));
        assertEquals(2, next.size());
        for (RamTarget t : next) {
            assertArrayEquals("the held write reached the next target", second,
                    t.disk.asSlice(16 * 512, LENGTH).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    public void withAnotherFactoryBoundADeviceIsServedAgainWhileAnotherStillDrains() throws Exception {
        Factory old = new Factory(sim::holdingTarget);
        core.addTarget(old);
        Served hung = serve(1, old);
        Served quick = serve(2, old);
        hung.queue().write(0, 8, pattern(3));
        await(() -> hung.target().submitted.get() == 1, "the hung target holds");
        List<RamTarget> next = new CopyOnWriteArrayList<>();
        Factory other = new Factory(() -> SimulatedDevices.ram(next));
        core.addTarget(other); // bound beside the old one, e.g. another version

        Thread removal = sim.inBackground("test-factory-removal", () -> core.removeTarget(old));
        await(() -> quick.managed().factory == other && core.state(2) == ServiceState.SERVING,
                "the quick device is served by the other factory's target");
        assertEquals(1, quick.target().closes.get());
        quick.queue().write(0, 8, pattern(4));
        assertAnsweredOnce(quick.queue(), 0);
        assertTrue("the hung device still drains", removal.isAlive());
        assertNull(hung.queue().awaitAnswer(0));

        assertEquals(1, hung.target().answerAll());
        removal.join(WAIT_MILLIS);
        assertFalse(removal.isAlive());
        assertAnsweredOnce(hung.queue(), 0);
        await(() -> hung.managed().factory == other && core.state(1) == ServiceState.SERVING,
                "the hung device is served again");
        assertEquals(1, hung.target().closes.get());
    }

    private Served serve(int id, Factory factory) throws Exception {
        return sim.serve(id, factory, 0);
    }
}
