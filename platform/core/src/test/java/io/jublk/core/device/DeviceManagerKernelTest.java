package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import io.jublk.core.control.ControlClient;
import io.jublk.core.testing.UblkKernel;
import io.jublk.core.uapi.DeviceState;
import io.jublk.core.uapi.Feature;
import io.jublk.target.IoRequest;
import io.jublk.target.OptionSpec;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * "No lost device" on a real ublk kernel (the test VM), through the core's own DeviceManager: while fio
 * writes and verifies through the disk, the target service is replaced three times, a target throws, and
 * the core itself is stopped and a new one takes the device over with user recovery. fio must see no
 * error and read back what it wrote.
 */
public class DeviceManagerKernelTest {
    private static final long SIZE = 64L << 20;

    private final Arena arena = Arena.ofShared();
    private final List<DeviceManager> managers = new ArrayList<>();
    private MemorySegment disk;
    private Path data;

    @Before
    public void setUp() throws Exception {
        UblkKernel.require();
        assumeTrue("fio not installed", Files.isExecutable(Path.of("/usr/bin/fio")));
        disk = arena.allocate(SIZE, 4096);
        data = Files.createTempDirectory("jublk-data");
        System.setProperty("karaf.data", data.toString());
    }

    @After
    public void tearDown() {
        for (DeviceManager m : managers) {
            for (DeviceStatus d : listQuietly(m)) {
                try {
                    m.delete(d.id());
                } catch (Exception e) {
                    // best effort: the next test's devices get other ids
                }
            }
        }
        System.clearProperty("karaf.data");
    }

    @Test
    public void replacingTheTargetServiceThreeTimesLosesNoIo() throws Exception {
        DeviceManager core = newCore();
        RamFactory first = new RamFactory(disk, -1);
        core.addTarget(first);
        int id = core.add(spec(RecoveryMode.NONE)).id();
        Process fio = startFio(id);
        TargetFactory current = first;
        for (int swap = 0; swap < 3; swap++) {
            Thread.sleep(500);
            assertTrue("fio still running at swap " + swap, fio.isAlive());
            RamFactory next = new RamFactory(disk, -1);
            core.removeTarget(current); // the old bundle stops: the device holds its I/O
            assertEquals(ServiceState.WAITING_FOR_TARGET, core.state(id));
            Thread.sleep(300);
            core.addTarget(next); // the new bundle starts
            awaitState(core, id, ServiceState.SERVING);
            current = next;
        }
        assertFioClean(fio, "3 target swaps");
        assertEquals("swaps counted", new DeviceEvents(3, 0), core.events().get(id));
        IoCounters c = IoCounters.sum(core.counters().get(id));
        assertEquals("nothing in flight once fio is done", 0, c.inFlight());
        assertEquals("nothing held once the last target serves", 0, c.held());
        long committed = 0;
        for (io.jublk.target.IoOperation op : io.jublk.target.IoOperation.values()) {
            committed += c.requests(op);
        }
        assertTrue("fio's requests were counted", committed > 0);
        assertEquals("each request timed, also those held over a swap", committed, c.latencyCount());
    }

    @Test
    public void aTargetThatThrowsIsReplacedByAFreshInstance() throws Exception {
        DeviceManager core = newCore();
        RamFactory factory = new RamFactory(disk, 500); // the first instance throws on its 500th request
        core.addTarget(factory);
        int id = core.add(spec(RecoveryMode.NONE)).id();
        Process fio = startFio(id);
        assertFioClean(fio, "a throwing target replaced");
        assertTrue("the faulty target threw", factory.threw.get() > 0);
        assertTrue("a fresh target was opened", factory.opened.get() >= 2);
        assertEquals(ServiceState.SERVING, core.state(id));
    }

    /**
     * Also the pause of a restart on kernels without QUIESCE_DEV (6.12): fio keeps every tag of one queue busy,
     * so at release that queue has no uring_cmd left in the kernel, and only a request time-out aborts what it
     * held; with the kernel's 30 s the next core waited that long (IoTimeout), with the core's 2 s it must not.
     */
    @Test
    public void aNewCoreTakesTheDeviceOverTwiceWithUserRecovery() throws Exception {
        long features;
        try (ControlClient control = ControlClient.open()) {
            features = control.features();
            assumeTrue("kernel without USER_RECOVERY_REISSUE", Feature.USER_RECOVERY_REISSUE.in(features));
        }
        String ioTimeout = expectedIoTimeout();
        DeviceManager core = newCore();
        core.addTarget(new RamFactory(disk, -1));
        int id = core.add(spec(RecoveryMode.REISSUE)).id();
        assertTrue("record written", Files.exists(DeviceRecord.file(data.resolve("jublk/devices"), id)));
        assertEquals("queue/io_timeout once added", ioTimeout, ioTimeout(id));
        Process fio = startFio(id);
        for (int restart = 0; restart < 2; restart++) {
            Thread.sleep(500);
            assertTrue("fio still running at restart " + restart, fio.isAlive());
            core.deactivate(); // the core bundle stops: the device is released, the kernel quiesces it
            managers.remove(core);
            long started = System.nanoTime();
            core = newCore(); // a new core finds the record and recovers the device
            core.addTarget(new RamFactory(disk, -1));
            awaitState(core, id, ServiceState.SERVING);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            System.out.println("restart " + restart + ": device recovered " + millis
                    + " ms after the new core started");
            assertTrue("restart " + restart + ": recovered " + millis + " ms after the new core started; a request"
                    + " time-out of the kernel's 30 s was waited out?", millis < 10_000);
            assertEquals("queue/io_timeout after recovery", ioTimeout, ioTimeout(id));
            try (ControlClient control = ControlClient.open()) {
                assertEquals(DeviceState.LIVE, control.deviceInfo(id).state());
                assertEquals(ProcessHandle.current().pid(), control.deviceInfo(id).serverPid());
            }
        }
        assertFioClean(fio, "2 core restarts");
        assertEquals("the last core took the device over once", new DeviceEvents(0, 1), core.events().get(id));
    }

    /**
     * The kernel reads the partition table during START_DEV; a target that throws on that read used to
     * deadlock ublk:add (the queue thread's failure report waited for the lock add held across START_DEV).
     * On 7.x the kernel reads it from a work item after START_DEV (ublk_ctrl_start_dev schedules
     * partition_scan_work), so add may return before that read: the replacement is awaited, not assumed.
     */
    @Test
    public void aTargetThatThrowsDuringStartDevIsReplacedAndAddReturns() throws Exception {
        DeviceManager core = newCore();
        RamFactory factory = new RamFactory(disk, 1); // the first instance throws on the first request it sees
        core.addTarget(factory);
        CompletableFuture<DeviceStatus> added = CompletableFuture.supplyAsync(() -> {
            try {
                return core.add(spec(RecoveryMode.NONE));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        int id = added.get(90, TimeUnit.SECONDS).id();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (factory.opened.get() < 2) {
            assertTrue("a fresh target was opened within 60 s", System.nanoTime() < deadline);
            Thread.sleep(50);
        }
        awaitState(core, id, ServiceState.SERVING);
        Process fio = startFio(id);
        assertFioClean(fio, "a target that threw during START_DEV");
    }

    /**
     * A target whose ring operation for a request outlasts the target time-out and the drain limit: the core
     * takes the request back, but hands it to the fresh target only once the old operation has completed, and
     * that completion never reaches the fresh target. fio verifies everything it wrote.
     */
    @Test
    public void aTargetSlowerThanTheDrainLimitLosesNoWrite() throws Exception {
        DeviceManager core = newCore();
        SlowFactory factory = new SlowFactory(disk, 200, Duration.ofSeconds(20));
        core.addTarget(factory);
        DeviceSpec spec = new DeviceSpec(-1, 2, 32, DeviceSpec.DEFAULT_MAX_IO_BYTES, RecoveryMode.NONE, "ram",
                TargetOptions.empty(), new HoldPolicy(Duration.ZERO, Duration.ofSeconds(3))).withCommands(commands());
        int id = core.add(spec).id();
        // on 6.12 a request time-out of 2 s: the stalled request, held 20 s by a live server, must not fail
        assertEquals(expectedIoTimeout(), ioTimeout(id));
        Process fio = startFio(id);
        assertFioClean(fio, "a target slower than the drain limit replaced");
        assertEquals("the slow operation was queued", 1, factory.stalled.get());
        assertTrue("a fresh target was opened", factory.opened.get() >= 2);
    }

    // ---- helpers --------------------------------------------------------------------------------

    private DeviceManager newCore() {
        DeviceManager core = new DeviceManager();
        core.activate(null);
        managers.add(core);
        return core;
    }

    private DeviceSpec spec(RecoveryMode recovery) {
        return new DeviceSpec(-1, 2, 32, DeviceSpec.DEFAULT_MAX_IO_BYTES, recovery, "ram", TargetOptions.empty(),
                new HoldPolicy(Duration.ZERO, Duration.ofSeconds(30))).withCommands(commands());
    }

    /** The queues' commands under test: per-tag here ({@link BatchDeviceManagerKernelTest}: batch). */
    IoCommands commands() {
        return IoCommands.PER_TAG;
    }

    private static Process startFio(int id) throws Exception {
        return new ProcessBuilder("/usr/bin/fio", "--name=verify", "--filename=/dev/ublkb" + id,
                "--rw=randwrite", "--bs=4k", "--size=32M", "--direct=1", "--ioengine=io_uring", "--iodepth=32",
                "--verify=crc32c", "--verify_fatal=1", "--do_verify=1", "--verify_state_save=0")
                .redirectErrorStream(true).start();
    }

    private static void assertFioClean(Process fio, String events) throws Exception {
        assertTrue("fio finished", fio.waitFor(600, TimeUnit.SECONDS));
        String out = new String(fio.getInputStream().readAllBytes());
        assertEquals(out, 0, fio.exitValue());
        assertTrue(out, out.contains("err= 0"));
        // bench/nolost collects these lines: the pause the events caused, as fio's longest I/O latency
        System.out.println("pause: " + events + ": longest I/O latency " + FioLatency.maxMillis(out) + " ms");
    }

    private static void awaitState(DeviceManager core, int id, ServiceState wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (core.state(id) != wanted) {
            assertTrue("device " + id + " is " + core.state(id) + ", not " + wanted, System.nanoTime() < deadline);
            Thread.sleep(50);
        }
    }

    /** The core's 2 s where the kernel has no QUIESCE_DEV, the block layer's default elsewhere. */
    private static String expectedIoTimeout() throws IOException {
        try (ControlClient control = ControlClient.open()) {
            return Feature.QUIESCE.in(control.features()) ? "30000" : "2000";
        }
    }

    private static String ioTimeout(int id) throws IOException {
        return Files.readString(IoTimeout.SYSFS.file(id)).strip();
    }

        private static List<DeviceStatus> listQuietly(DeviceManager m) {
        try {
            return m.list();
        } catch (Exception e) {
            return List.of();
        }
    }

    /**
     * RAM targets over one shared disk; the first one, at request number {@code stallAt}, puts a ring timeout
     * of {@code stall} in for it (labelled with the tag, as the loop target labels its I/O) and answers only
     * when it completes: a backing device that stalls.
     */
    static final class SlowFactory implements TargetFactory {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger stalled = new AtomicInteger();
        private final MemorySegment disk;
        private final int stallAt;
        private final Duration stall;

        SlowFactory(MemorySegment disk, int stallAt, Duration stall) {
            this.disk = disk;
            this.stallAt = stallAt;
            this.stall = stall;
        }

        @Override
        public String type() {
            return "ram";
        }

        @Override
        public String description() {
            return "RAM with a stall (test)";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of();
        }

        @Override
        public Target open(TargetOptions options) {
            RamTarget ram = new RamTarget(disk);
            if (opened.incrementAndGet() != 1) {
                return ram;
            }
            AtomicInteger requests = new AtomicInteger();
            return new Target() {
                @Override
                public io.jublk.target.DiskGeometry geometry() {
                    return ram.geometry();
                }

                @Override
                public TargetQueue openQueue(QueueContext queue) {
                    TargetQueue inner = ram.openQueue(queue);
                    IoRequest[] waiting = new IoRequest[queue.queueDepth()];
                    return new TargetQueue() {
                        @Override
                        public void submit(IoRequest r) {
                            if (requests.incrementAndGet() != stallAt) {
                                inner.submit(r);
                                return;
                            }
                            stalled.incrementAndGet();
                            waiting[r.tag()] = r;
                            queue.ring().sqe().timeout(stall.toNanos(), 0, 0).userData(queue.userData(r.tag()));
                        }

                        @Override
                        public void onCompletion(long cookie, int res, int flags) {
                            IoRequest r = waiting[(int) cookie];
                            waiting[(int) cookie] = null;
                            inner.submit(r); // only ever reached if the core had not taken it back
                        }
                    };
                }

                @Override
                public String describeJson() {
                    return "{}";
                }

                @Override
                public void close() {
                    ram.close();
                }
            };
        }
    }

    /** Makes RAM targets over one shared disk; the first one throws on request number {@code failAt}. */
    static final class RamFactory implements TargetFactory {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger threw = new AtomicInteger();
        private final MemorySegment disk;
        private final int failAt;

        RamFactory(MemorySegment disk, int failAt) {
            this.disk = disk;
            this.failAt = failAt;
        }

        @Override
        public String type() {
            return "ram";
        }

        @Override
        public String description() {
            return "RAM (test)";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of();
        }

        @Override
        public Target open(TargetOptions options) {
            boolean faulty = opened.incrementAndGet() == 1 && failAt > 0;
            RamTarget ram = new RamTarget(disk);
            if (!faulty) {
                return ram;
            }
            AtomicInteger requests = new AtomicInteger();
            return new Target() {
                @Override
                public io.jublk.target.DiskGeometry geometry() {
                    return ram.geometry();
                }

                @Override
                public TargetQueue openQueue(QueueContext queue) {
                    TargetQueue inner = ram.openQueue(queue);
                    return (IoRequest r) -> {
                        if (requests.incrementAndGet() == failAt) {
                            threw.incrementAndGet();
                            throw new IllegalStateException("test fault on request " + failAt);
                        }
                        inner.submit(r);
                    };
                }

                @Override
                public String describeJson() {
                    return "{}";
                }

                @Override
                public void close() {
                    ram.close();
                }
            };
        }
    }
}
