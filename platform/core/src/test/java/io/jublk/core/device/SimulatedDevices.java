package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import io.jublk.core.queue.SimulatedQueue;
import io.jublk.core.uapi.DevInfo;
import io.jublk.target.OptionSpec;
import io.jublk.target.Target;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The real {@link DeviceManager} serving devices on simulated queues (no ublk kernel: the kernel's side of each
 * queue is played by {@link SimulatedQueue}), registered as ublk:add does, for tests of what the core does to
 * several devices at once (a target service going, the core stopping). Targets that hold their requests until
 * the test answers them ({@link HoldingTarget}) play hung or slow ones.
 */
final class SimulatedDevices implements AutoCloseable {
    static final long SIZE = 1 << 20;
    static final int LENGTH = 4096;
    static final long WAIT_MILLIS = 10_000;
    private static final int DEPTH = 4;
    private static final TargetOptions OPTIONS = new TargetOptions(Map.of());

    final DeviceManager core = new DeviceManager();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final List<Served> served = new ArrayList<>();
    private final List<HoldingTarget> holding = new CopyOnWriteArrayList<>();
    private final List<Thread> steps = new CopyOnWriteArrayList<>();

    /** A device of the test: its simulated queue, its first target, its entry in the core. */
    record Served(SimulatedQueue queue, HoldingTarget target, ManagedDevice managed) {
    }

    /** A factory of the type "sim" whose targets {@code make} makes; each one another service (by identity). */
    static final class Factory implements TargetFactory {
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

    /** The core started on {@code folder} (its karaf.data and record folder) with this drain limit. */
    SimulatedDevices(Path folder, String drainLimitSeconds) throws Exception {
        System.setProperty("karaf.data", folder.toString());
        core.activate(null, Map.of("recordFolder", Files.createDirectories(folder.resolve("devices")).toString(),
                "drainLimitSeconds", drainLimitSeconds));
    }

    /** A hung target until the test answers: every one made is answered at {@link #answerAll}. */
    HoldingTarget holdingTarget() {
        HoldingTarget t = new HoldingTarget(SIZE);
        holding.add(t);
        return t;
    }

    static RamTarget ram(List<RamTarget> made) {
        RamTarget t = new RamTarget(SIZE);
        made.add(t);
        return t;
    }

    /** Runs {@code step} of the core (a bundle update, the core stopping) on a thread of the test's own. */
    Thread inBackground(String name, Runnable step) {
        Thread t = Thread.ofPlatform().name(name).start(step);
        steps.add(t);
        return t;
    }

    /** Lets every holding target answer what it holds (a failed test leaves no step waiting out its limit). */
    void answerAll() {
        holding.forEach(HoldingTarget::answerAll);
    }

    /**
     * Device {@code id} with these UBLK_F_* {@code flags} served by a holding target of {@code factory} on a
     * simulated queue, registered as ublk:add does.
     */
    Served serve(int id, Factory factory, long flags) throws Exception {
        HoldingTarget target = (HoldingTarget) factory.open(OPTIONS);
        SimulatedQueue queue = SimulatedQueue.start(DEPTH, target, (q, cause) -> failures.add(cause));
        DeviceSpec spec = new DeviceSpec(id, 1, DEPTH, 512 << 10, RecoveryMode.NONE, "sim", OPTIONS);
        DevInfo info = DevInfo.request(id, 1, DEPTH, 512 << 10, flags, UblkDevice.SERVER_MARK);
        UblkDevice device = UblkDevice.running(spec, info, target, List.of(queue.runner()));
        Served s = new Served(queue, target, core.register(spec, device, info, factory));
        served.add(s);
        return s;
    }

    /**
     * Lets every target answer and waits for the steps in the background (a failed test leaves none waiting out
     * its limit), then stops the core (no kernel device behind any device to release or delete) and the queues.
     */
    @Override
    public void close() throws Exception {
        answerAll();
        for (Thread t : steps) {
            t.join(WAIT_MILLIS);
        }
        for (Served s : served) {
            synchronized (s.managed()) {
                s.managed().device = null;
            }
        }
        core.deactivate();
        for (Served s : served) {
            s.queue().close();
        }
        System.clearProperty("karaf.data");
        assertEquals("no target failed", List.of(), failures);
    }

    /** The next answer is {@code tag}'s, fully done, and no second one follows. */
    static void assertAnsweredOnce(SimulatedQueue queue, int tag) throws InterruptedException {
        SimulatedQueue.Answer a = queue.awaitAnswer(WAIT_MILLIS);
        assertNotNull("tag " + tag + " answered", a);
        assertEquals(tag, a.tag());
        assertEquals(LENGTH, a.result());
        assertNull("answered once", queue.awaitAnswer(100));
    }

    static byte[] pattern(int seed) {
        byte[] b = new byte[LENGTH];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT_MILLIS / 1000 + " s: " + what);
            }
            Thread.sleep(2);
        }
    }
}
