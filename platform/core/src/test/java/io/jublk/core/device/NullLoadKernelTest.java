package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import io.jublk.core.control.ControlClient;
import io.jublk.core.testing.UblkKernel;
import io.jublk.core.uapi.DeviceState;
import io.jublk.core.uapi.Feature;
import io.jublk.target.DiskGeometry;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.target.nullblk.NullTargetFactory;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Before;
import org.junit.Test;

/**
 * Null devices under fio load on a real ublk kernel (the test VM, both kernels), served by the core's
 * queue threads and the real null target: 4k random reads and writes at QD 64 on two queues, eight
 * devices at once, each queue's CPU affinity, and reads that return zeroes in every data transfer.
 */
public class NullLoadKernelTest {
    private static final Path FIO = Path.of("/usr/bin/fio");

    @Before
    public void needsUblkAndFio() {
        UblkKernel.require();
        assumeTrue("fio not installed", Files.isExecutable(FIO));
    }

    @Test
    public void fioAtQueueDepth64OnTwoQueuesSeesNoError() throws Exception {
        try (ControlClient control = ControlClient.open(); Served d = Served.nullDevice(control, 2, 128)) {
            for (String rw : new String[] {"randread", "randwrite"}) {
                d.counted.clear();
                // two jobs on the two vCPUs, so that both hardware queues get requests
                String out = fio(List.of("--name=" + rw, "--filename=" + d.node(), "--rw=" + rw, "--bs=4k",
                        "--iodepth=64", "--numjobs=2", "--cpus_allowed=0,1", "--cpus_allowed_policy=split",
                        "--time_based", "--runtime=10"), 120);
                long ios = totalIos(out);
                System.out.printf("kernel %s, %s QD64 10 s on 2 queues: %d I/Os, by queue %d %d%n",
                        System.getProperty("os.version"), rw, ios, d.counted.byQueue(0), d.counted.byQueue(1));
                // fio counts what completed within its run time; the target saw at least that
                assertTrue(ios + " I/Os by fio, " + d.counted.total() + " served", d.counted.total() >= ios);
                if (cpuCount() >= 2) {
                    assertTrue("queue 0 served nothing", d.counted.byQueue(0) > 0);
                    assertTrue("queue 1 served nothing", d.counted.byQueue(1) > 0);
                }
            }
            assertEquals(DeviceState.LIVE, control.deviceInfo(d.device.id()).state());
        }
    }

    /**
     * The real null target reads back zeroes whatever was written before, in every data transfer the kernel
     * has: zero copy (AUTO_BUF_REG, 7.2: zeroes from /dev/zero into the request's registered pages), copy
     * mode, and USER_COPY. The flags the kernel accepted are read back.
     */
    @Test
    public void readsReturnZeroesInEveryDataTransfer() throws Exception {
        try (ControlClient control = ControlClient.open()) {
            long kernel = control.features();
            for (DataTransfer transfer : DataTransfer.values()) {
                if (transfer == DataTransfer.USER_COPY && !Feature.USER_COPY.in(kernel)) {
                    continue;
                }
                try (Target target = new NullTargetFactory().open(TargetOptions.empty())) {
                    DeviceSpec spec = new DeviceSpec(-1, 1, 32, DeviceSpec.DEFAULT_MAX_IO_BYTES, RecoveryMode.NONE,
                            "null", TargetOptions.empty(), transfer);
                    UblkDevice device = UblkDevice.create(control, spec, target);
                    try {
                        long flags = control.deviceInfo(device.id()).flags();
                        System.out.printf("kernel %s, null target, %s: flags 0x%x %s%n",
                                System.getProperty("os.version"), transfer, flags, Feature.decode(flags));
                        if (transfer == DataTransfer.AUTO) {
                            assertEquals(Long.toHexString(flags), Feature.AUTO_BUF_REG.in(kernel),
                                    Feature.AUTO_BUF_REG.in(flags));
                        }
                        writeThenReadZeroes(device.id(), transfer);
                    } finally {
                        device.delete(control);
                    }
                }
            }
        }
    }

    /** O_DIRECT writes of a pattern, 4 KiB to 512 KiB, each read back at once: all zeroes. */
    private static void writeThenReadZeroes(int id, DataTransfer transfer) throws Exception {
        int fd = Linux.open(UblkDevice.blockDevice(id).toString(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = AlignedMemory.allocate(arena, DeviceSpec.DEFAULT_MAX_IO_BYTES, 4096);
            long offset = 1L << 20;
            for (int length = 4096; length <= DeviceSpec.DEFAULT_MAX_IO_BYTES; length *= 2) {
                MemorySegment data = buffer.asSlice(0, length);
                data.fill((byte) 0x5a);
                assertEquals(length, Linux.pwrite(fd, data, offset));
                assertEquals(length, Linux.pread(fd, data, offset));
                long at = data.mismatch(arena.allocate(length));
                assertEquals(transfer + ": a " + length + "-byte read is not all zeroes at byte " + at, -1, at);
                offset += length;
            }
        } finally {
            Linux.close(fd);
        }
    }

    @Test
    public void eightDevicesServeAtOnce() throws Exception {
        List<Served> devices = new ArrayList<>();
        try (ControlClient control = ControlClient.open()) {
            try {
                for (int i = 0; i < 8; i++) {
                    devices.add(Served.nullDevice(control, 1, 32));
                }
                List<String> args = new ArrayList<>(List.of("--rw=randrw", "--bs=4k", "--iodepth=16",
                        "--time_based", "--runtime=5"));
                for (Served d : devices) {
                    assertEquals(DeviceState.LIVE, control.deviceInfo(d.device.id()).state());
                    args.add("--name=dev" + d.device.id());
                    args.add("--filename=" + d.node());
                }
                long ios = totalIos(fio(args, 120));
                long served = 0;
                for (Served d : devices) {
                    assertTrue("device " + d.device.id() + " served nothing", d.counted.total() > 0);
                    served += d.counted.total();
                }
                assertTrue(ios + " I/Os by fio, " + served + " served", served >= ios);
                System.out.println("8 devices, 5 s of 4k randrw QD16 each: " + ios + " I/Os");
            } finally {
                for (Served d : devices) {
                    d.close();
                }
            }
            for (Served d : devices) {
                assertFalse(Files.exists(d.node()));
            }
        }
    }

    @Test
    public void queueAffinityCoversEveryCpuOnce() throws Exception {
        int cpus = cpuCount();
        try (ControlClient control = ControlClient.open(); Served d = Served.nullDevice(control, 2, 32)) {
            BitSet all = new BitSet();
            for (int q = 0; q < 2; q++) {
                BitSet mine = control.queueAffinity(d.device.id(), q);
                System.out.println("queue " + q + " of " + cpus + " CPUs: affinity " + mine);
                assertFalse("queue " + q + " has no CPU", mine.isEmpty());
                assertFalse("queues share CPUs: " + all + " and " + mine, all.intersects(mine));
                all.or(mine);
            }
            BitSet expected = new BitSet();
            expected.set(0, cpus);
            assertEquals("every possible CPU maps to one queue", expected, all);
            try {
                control.queueAffinity(d.device.id(), 2);
                throw new AssertionError("GET_QUEUE_AFFINITY of a queue the device does not have succeeded");
            } catch (ErrnoException e) {
                assertEquals(Errno.EINVAL, e.error());
            }
        }
    }

    /** The kernel's possible CPUs, "0-N" in sysfs (the VM has no holes). */
    private static int cpuCount() throws Exception {
        String possible = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
        int dash = possible.lastIndexOf('-');
        return dash < 0 ? 1 : Integer.parseInt(possible.substring(dash + 1)) + 1;
    }

    /** Runs fio with O_DIRECT io_uring and JSON output; fails on a non-zero exit or any job's error. */
    private static String fio(List<String> jobArgs, int timeoutSeconds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(FIO.toString(), "--ioengine=io_uring", "--direct=1",
                "--output-format=json"));
        cmd.addAll(jobArgs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue("fio finished", p.waitFor(timeoutSeconds, TimeUnit.SECONDS));
        assertEquals(out, 0, p.exitValue());
        Matcher errors = Pattern.compile("\"error\"\\s*:\\s*(\\d+)").matcher(out);
        int jobs = 0;
        while (errors.find()) {
            assertEquals(out, "0", errors.group(1));
            jobs++;
        }
        assertTrue(out, jobs > 0);
        return out;
    }

    /** Every "total_ios" of every job and direction, summed. */
    private static long totalIos(String fioJson) {
        Matcher m = Pattern.compile("\"total_ios\"\\s*:\\s*(\\d+)").matcher(fioJson);
        long sum = 0;
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
        }
        assertTrue(fioJson, sum > 0);
        return sum;
    }

    /** A served null device whose requests are counted by queue; close() deletes it. */
    private static final class Served implements AutoCloseable {
        final CountingTarget counted;
        final UblkDevice device;
        private final ControlClient control;

        private Served(ControlClient control, CountingTarget counted, UblkDevice device) {
            this.control = control;
            this.counted = counted;
            this.device = device;
        }

        static Served nullDevice(ControlClient control, int queues, int depth) throws Exception {
            CountingTarget target = new CountingTarget(new NullTargetFactory().open(TargetOptions.empty()), queues);
            DeviceSpec spec = new DeviceSpec(-1, queues, depth, DeviceSpec.DEFAULT_MAX_IO_BYTES, RecoveryMode.NONE,
                    "null", TargetOptions.empty());
            try {
                return new Served(control, target, UblkDevice.create(control, spec, target));
            } catch (Exception e) {
                target.close();
                throw e;
            }
        }

        Path node() {
            return UblkDevice.blockDevice(device.id());
        }

        @Override
        public void close() throws Exception {
            try {
                device.delete(control);
            } finally {
                counted.close();
            }
        }
    }

    /** Passes everything to the real target and counts the requests each queue completed. */
    private static final class CountingTarget implements Target {
        private final Target target;
        private final AtomicLongArray completed;

        CountingTarget(Target target, int queues) {
            this.target = target;
            this.completed = new AtomicLongArray(queues);
        }

        long byQueue(int q) {
            return completed.get(q);
        }

        long total() {
            long sum = 0;
            for (int q = 0; q < completed.length(); q++) {
                sum += completed.get(q);
            }
            return sum;
        }

        void clear() {
            for (int q = 0; q < completed.length(); q++) {
                completed.set(q, 0);
            }
        }

        @Override
        public DiskGeometry geometry() {
            return target.geometry();
        }

        @Override
        public TargetQueue openQueue(QueueContext queue) throws TargetException {
            TargetQueue real = target.openQueue(queue);
            int q = queue.queueId();
            return new TargetQueue() {
                @Override
                public void submit(IoRequest request) {
                    completed.incrementAndGet(q);
                    real.submit(request);
                }

                @Override
                public void onCompletion(long cookie, int res, int flags) {
                    real.onCompletion(cookie, res, flags);
                }

                @Override
                public void close() {
                    real.close();
                }
            };
        }

        @Override
        public boolean acceptsRegisteredBuffers() {
            return target.acceptsRegisteredBuffers();
        }

        @Override
        public String describeJson() {
            return target.describeJson();
        }

        @Override
        public void close() {
            target.close();
        }
    }
}
