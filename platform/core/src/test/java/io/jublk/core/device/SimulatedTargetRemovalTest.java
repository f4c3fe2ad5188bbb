package io.jublk.core.device;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.jublk.core.device.SwapTimeline.Step;
import io.jublk.core.queue.SimulatedQueue;
import io.jublk.core.uapi.DevInfo;
import io.jublk.target.OptionSpec;
import io.jublk.target.Target;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
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
    private static final long SIZE = 1 << 20;
    private static final int LENGTH = 4096;
    private static final int DEPTH = 4;
    private static final TargetOptions OPTIONS = new TargetOptions(Map.of());
    /** Longer than any wait below: a drain that waited out the hung device's limit fails the test. */
    private static final String DRAIN_LIMIT_SECONDS = "60";
    private static final long WAIT_MILLIS = 10_000;

    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    private final DeviceManager core = new DeviceManager();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final List<Served> served = new ArrayList<>();
    private final List<HoldingTarget> holding = new CopyOnWriteArrayList<>();
    private Thread removal;

    /** A device of the test: its simulated queue, its first target, its entry in the core. */
    private record Served(SimulatedQueue queue, HoldingTarget target, ManagedDevice managed) {
    }

    /** A factory of the type "sim" whose targets {@code make} makes; each one another service. */
    private static final class Factory implements TargetFactory {
        private final Supplier<Target> make;

        Factory(Supplier<Target> make) {
            this.make = make;
        }

        @Override
        public String type() {
            return "sim";
        }

        @Override
        public String description() {
            return "simulated";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of();
        }

        @Override
        public Target open(TargetOptions options) {
            return make.get();
        }
    }

    @Before
    public void setUp() throws Exception {
        System.setProperty("karaf.data", tmp.getRoot().toString());
        core.activate(null, Map.of("recordFolder", tmp.newFolder("devices").toString(),
                "drainLimitSeconds", DRAIN_LIMIT_SECONDS));
    }

    @After
    public void tearDown() throws Exception {
        holding.forEach(HoldingTarget::answerAll); // a failed test leaves no drain waiting out its limit
        if (removal != null) {
            removal.join(WAIT_MILLIS);
        }
        for (Served s : served) {
            synchronized (s.managed()) {
                s.managed().device = null; // no kernel device to release or delete when the core stops
            }
        }
        core.deactivate();
        for (Served s : served) {
            s.queue().close();
        }
        System.clearProperty("karaf.data");
        assertEquals("no target failed", List.of(), failures);
    }

    @Test
    public void aDeviceDrainsWithoutWaitingForAnotherDevicesHungTarget() throws Exception {
        Factory old = new Factory(this::holdingTarget);
        core.addTarget(old);
        Served hung = serve(1, old); // the lower id: a loop over the devices drains it first
        Served quick = serve(2, old);
        byte[] first = pattern(1);
        hung.queue().write(0, 8, first);
        quick.queue().write(0, 8, first);
        await(() -> hung.target().submitted.get() == 1 && quick.target().submitted.get() == 1, "both targets hold");

        removal = Thread.ofPlatform().name("test-bundle-update").start(() -> core.removeTarget(old));
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
        Factory updated = new Factory(() -> ram(next));
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
        Factory old = new Factory(this::holdingTarget);
        core.addTarget(old);
        Served hung = serve(1, old);
        Served quick = serve(2, old);
        hung.queue().write(0, 8, pattern(3));
        await(() -> hung.target().submitted.get() == 1, "the hung target holds");
        List<RamTarget> next = new CopyOnWriteArrayList<>();
        Factory other = new Factory(() -> ram(next));
        core.addTarget(other); // bound beside the old one, e.g. another version

        removal = Thread.ofPlatform().name("test-factory-removal").start(() -> core.removeTarget(old));
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

    // ---- helpers -------------------------------------------------------------------------------------------

    private HoldingTarget holdingTarget() {
        HoldingTarget t = new HoldingTarget(SIZE);
        holding.add(t);
        return t;
    }

    private static RamTarget ram(List<RamTarget> made) {
        RamTarget t = new RamTarget(SIZE);
        made.add(t);
        return t;
    }

    /** Device {@code id} served by a target of {@code factory} on a simulated queue, registered as ublk:add does. */
    private Served serve(int id, Factory factory) throws Exception {
        HoldingTarget target = (HoldingTarget) factory.open(OPTIONS);
        SimulatedQueue queue = SimulatedQueue.start(DEPTH, target, (q, cause) -> failures.add(cause));
        DeviceSpec spec = new DeviceSpec(id, 1, DEPTH, 512 << 10, RecoveryMode.NONE, "sim", OPTIONS);
        DevInfo info = DevInfo.request(id, 1, DEPTH, 512 << 10, 0, UblkDevice.SERVER_MARK);
        UblkDevice device = UblkDevice.running(spec, info, target, List.of(queue.runner()));
        Served s = new Served(queue, target, core.register(spec, device, info, factory));
        served.add(s);
        return s;
    }

    /** The next answer is {@code tag}'s, fully done, and no second one follows. */
    private static void assertAnsweredOnce(SimulatedQueue queue, int tag) throws InterruptedException {
        SimulatedQueue.Answer a = queue.awaitAnswer(WAIT_MILLIS);
        assertNotNull("tag " + tag + " answered", a);
        assertEquals(tag, a.tag());
        assertEquals(LENGTH, a.result());
        assertNull("answered once", queue.awaitAnswer(100));
    }

    private static byte[] pattern(int seed) {
        byte[] b = new byte[LENGTH];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT_MILLIS / 1000 + " s: " + what);
            }
            Thread.sleep(2);
        }
    }
}
