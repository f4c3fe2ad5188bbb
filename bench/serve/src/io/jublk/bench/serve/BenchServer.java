package io.jublk.bench.serve;

import io.jublk.core.control.ControlClient;
import io.jublk.core.device.DataTransfer;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.IoCommands;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.device.UblkDevice;
import io.jublk.target.Target;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import io.jublk.target.loop.LoopTargetFactory;
import io.jublk.target.nullblk.NullTargetFactory;
import io.jublk.target.qcow2.Qcow2TargetFactory;
import io.jublk.target.rbd.RbdTargetFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Serves one ublk device from a plain JVM, for the benchmarks: a Karaf boot under TCG takes minutes.
 * It makes the device exactly as the console does (a target from the target's factory, then
 * {@link UblkDevice#create}), so requests go through the same queue threads and target code; only the
 * OSGi wiring and the device record of {@code DeviceManager} are left out. Prints {@code ready ID PID}
 * once the device is LIVE, deletes it on SIGTERM (or SIGINT) and exits.
 *
 * <pre>
 * BenchServer null|loop|qcow2|rbd [-n ID] [-q QUEUES] [-d DEPTH] [-t auto|copy|user_copy] [-c per-tag|batch|auto]
 *             [-m FILE] [--NAME VALUE | --FLAG]...
 * </pre>
 * {@code -t} is how data moves (the console's {@code --no-zero-copy} / {@code --user-copy}); {@code -c} how
 * the queues talk to the kernel (the console's {@code --per-tag-io} / {@code --batch-io}); the {@code --}
 * options are the target's. {@code -m FILE}: the file is watched (every 100 ms); {@code on} or
 * {@code off} in it switches the queues' request counting as the core's {@code metrics} key does,
 * {@code stat N} (a new N each time) writes the device's counters to {@code FILE.stat} (bench/metrics uses both).
 * <pre>
 * </pre>
 */
public final class BenchServer {
    private BenchServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        TargetFactory factory = switch (args[0]) {
            case "null" -> new NullTargetFactory();
            case "loop" -> new LoopTargetFactory();
            case "qcow2" -> new Qcow2TargetFactory();
            case "rbd" -> new RbdTargetFactory();
            default -> usage();
        };
        int id = -1;
        int queues = DeviceSpec.DEFAULT_QUEUES;
        int depth = DeviceSpec.DEFAULT_DEPTH;
        DataTransfer transfer = DataTransfer.AUTO;
        IoCommands commands = IoCommands.PER_TAG;
        Map<String, String> options = new HashMap<>();
        java.nio.file.Path metricsSwitch = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-n" -> id = Integer.parseInt(args[++i]);
                case "-q" -> queues = Integer.parseInt(args[++i]);
                case "-d" -> depth = Integer.parseInt(args[++i]);
                case "-m" -> metricsSwitch = java.nio.file.Path.of(args[++i]);
                case "-t" -> transfer = DataTransfer.valueOf(args[++i].toUpperCase(java.util.Locale.ROOT));
                case "-c" -> commands = IoCommands.parse(args[++i]);
                default -> {
                    if (!a.startsWith("--")) {
                        usage();
                    }
                    boolean flag = i + 1 == args.length || args[i + 1].startsWith("-");
                    options.put(a.substring(2), flag ? "true" : args[++i]);
                }
            }
        }
        TargetOptions targetOptions = new TargetOptions(options);
        DeviceSpec spec = new DeviceSpec(id, queues, depth, DeviceSpec.DEFAULT_MAX_IO_BYTES, RecoveryMode.NONE,
                factory.type(), targetOptions, transfer).withCommands(commands);
        Target target = factory.open(targetOptions);
        UblkDevice device;
        try (ControlClient control = ControlClient.open()) {
            device = UblkDevice.create(control, spec, target);
        }
        CountDownLatch deleted = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            // a control ring belongs to the thread that opened it: this hook opens its own
            try (ControlClient control = ControlClient.open()) {
                device.delete(control);
            } catch (Exception e) {
                System.err.println("deleting ublk device " + device.id() + ": " + e.getMessage());
            } finally {
                target.close();
                deleted.countDown();
            }
        }));
        if (metricsSwitch != null) {
            watch(metricsSwitch, device);
        }
        System.out.println("ready " + device.id() + " " + ProcessHandle.current().pid());
        System.out.flush();
        deleted.await();
    }

    /** Follows {@code file}: "on"/"off" switch counting, "stat N" writes the counters to FILE.stat. */
    private static void watch(java.nio.file.Path file, UblkDevice device) {
        java.nio.file.Path stat = java.nio.file.Path.of(file + ".stat");
        Thread.ofPlatform().daemon(true).name("bench-metrics-switch").start(() -> {
            String last = "";
            while (true) {
                try {
                    Thread.sleep(100);
                    String now = java.nio.file.Files.exists(file) ? java.nio.file.Files.readString(file).strip() : "";
                    if (now.equals(last)) {
                        continue;
                    }
                    last = now;
                    switch (now.split(" ")[0]) { // "stat N": a fresh N each time, so each is seen
                        case "on", "off" -> device.enableCounters(now.equals("on"));
                        case "stat" -> {
                            io.jublk.core.device.IoCounters c = io.jublk.core.device.IoCounters.sum(device.counters());
                            java.nio.file.Path tmp = java.nio.file.Path.of(stat + ".tmp");
                            java.nio.file.Files.writeString(tmp, String.format(java.util.Locale.ROOT,
                                    "%d %d %d %d %d%n", c.requests(io.jublk.target.IoOperation.READ),
                                    c.requests(io.jublk.target.IoOperation.WRITE), c.latencyCount(),
                                    c.latencyPercentileNanos(0.5) / 1000, c.latencyPercentileNanos(0.99) / 1000));
                            java.nio.file.Files.move(tmp, stat, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                        }
                        default -> { }
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (java.io.IOException | RuntimeException e) {
                    System.err.println("metrics switch " + file + ": " + e);
                }
            }
        });
    }

    private static TargetFactory usage() {
        System.err.println("usage: BenchServer null|loop|qcow2|rbd [-n ID] [-q QUEUES] [-d DEPTH] [-t auto|copy|user_copy]"
                + " [-c per-tag|batch|auto] [-m FILE] [--OPTION VALUE | --FLAG]...");
        System.exit(2);
        return null;
    }
}
