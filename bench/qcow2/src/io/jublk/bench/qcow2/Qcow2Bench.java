package io.jublk.bench.qcow2;

import io.jublk.core.control.ControlClient;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.device.UblkDevice;
import io.jublk.target.Target;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import io.jublk.target.loop.LoopTargetFactory;
import io.jublk.target.qcow2.Qcow2TargetFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * In one boot of the ublk host: a jublk loop device on a raw file and a jublk qcow2 device on a
 * preallocated qcow2 image of the same size, fio 4k random read and write at QD 64 on each, alternating
 * which goes first, repeated; then the qcow2 target on an empty image (every first write allocates).
 * Prints each run's IOPS, the qcow2 / loop ratios and their medians.
 */
public final class Qcow2Bench {
    private static final Pattern IOPS = Pattern.compile("\"iops\"\\s*:\\s*([0-9.]+)");

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(arg(args, "--dir", "/tmp/qcow2-bench"));
        String size = arg(args, "--size", "512M");
        int seconds = Integer.parseInt(arg(args, "--seconds", "10"));
        int rounds = Integer.parseInt(arg(args, "--rounds", "3"));
        int queues = Integer.parseInt(arg(args, "--queues", "1"));
        Files.createDirectories(dir);
        Path raw = dir.resolve("loop.raw");
        Path pre = dir.resolve("prealloc.qcow2");
        Path empty = dir.resolve("empty.qcow2");
        for (Path p : List.of(raw, pre, empty)) {
            Files.deleteIfExists(p);
        }
        run(List.of("qemu-img", "create", "-q", "-f", "raw", "-o", "preallocation=full", raw.toString(), size));
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-o", "preallocation=full", pre.toString(), size));
        System.out.println("kernel " + System.getProperty("os.version") + ", " + size + " images in " + dir
                + ", " + queues + " queue(s), " + seconds + " s per run, " + rounds + " rounds");
        List<Double> readRatios = new ArrayList<>();
        List<Double> writeRatios = new ArrayList<>();
        List<Double> loopWrites = new ArrayList<>();
        try (Device loop = new Device(new LoopTargetFactory(), "loop", raw, queues);
             Device qcow2 = new Device(new Qcow2TargetFactory(), "qcow2", pre, queues)) {
            System.out.printf("%-5s %-9s %10s %10s %7s%n", "round", "workload", "loop", "qcow2", "ratio");
            for (int r = 1; r <= rounds; r++) {
                for (String rw : List.of("randread", "randwrite")) {
                    double l;
                    double q;
                    if (r % 2 == 1) {
                        l = fio(loop.node(), rw, seconds);
                        q = fio(qcow2.node(), rw, seconds);
                    } else {
                        q = fio(qcow2.node(), rw, seconds);
                        l = fio(loop.node(), rw, seconds);
                    }
                    (rw.equals("randread") ? readRatios : writeRatios).add(q / l);
                    if (rw.equals("randwrite")) {
                        loopWrites.add(l);
                    }
                    System.out.printf("%-5d %-9s %10.0f %10.0f %7.3f%n", r, rw, l, q, q / l);
                }
            }
        }
        System.out.printf("median qcow2/loop, preallocated image, 4k QD64: randread %.3f, randwrite %.3f%n",
                median(readRatios), median(writeRatios));
        // a fresh empty image each round: the first rounds also warm up the allocating path's JIT
        for (int r = 1; r <= rounds; r++) {
            Files.deleteIfExists(empty);
            run(List.of("qemu-img", "create", "-q", "-f", "qcow2", empty.toString(), size));
            try (Device qcow2 = new Device(new Qcow2TargetFactory(), "qcow2", empty, queues)) {
                double q = fio(qcow2.node(), "randwrite", seconds);
                System.out.printf("round %d: empty (allocating) image, 4k randwrite QD64: %.0f IOPS = %.3f x the"
                        + " median loop randwrite of this boot%n", r, q, q / median(loopWrites));
            }
            run(List.of("qemu-img", "check", empty.toString()));
        }
        run(List.of("qemu-img", "check", pre.toString()));
        run(List.of("qemu-img", "check", empty.toString()));
    }

    private static double fio(String node, String rw, int seconds) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (Runtime.getRuntime().availableProcessors() > 1) {
            cmd.addAll(List.of("taskset", "-c", "1")); // the queue thread is pinned to CPU 0 by vm/run
        }
        cmd.addAll(List.of("fio", "--name=bench", "--filename=" + node, "--rw=" + rw, "--bs=4k", "--iodepth=64",
                "--direct=1", "--ioengine=io_uring", "--time_based", "--ramp_time=2", "--runtime=" + seconds,
                "--output-format=json"));
        String out = run(cmd);
        Matcher m = IOPS.matcher(out.substring(out.indexOf(rw.equals("randread") ? "\"read\"" : "\"write\"")));
        if (!m.find()) {
            throw new IOException("no IOPS in fio's output: " + out);
        }
        return Double.parseDouble(m.group(1));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static String arg(String[] args, String name, String otherwise) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return otherwise;
    }

    /** A live device; closing deletes it and closes its target. */
    private static final class Device implements AutoCloseable {
        final Target target;
        final ControlClient control;
        final UblkDevice device;

        Device(TargetFactory factory, String type, Path file, int queues) throws Exception {
            TargetOptions opts = new TargetOptions(Map.of("file", file.toString()));
            target = factory.open(opts);
            control = ControlClient.open();
            device = UblkDevice.create(control, new DeviceSpec(-1, queues, 64, DeviceSpec.DEFAULT_MAX_IO_BYTES,
                    RecoveryMode.NONE, type, opts), target);
            System.out.println(type + " device /dev/ublkb" + device.id() + ": " + target.describeJson());
        }

        String node() {
            return UblkDevice.blockDevice(device.id()).toString();
        }

        @Override
        public void close() throws IOException {
            try {
                device.delete(control);
            } finally {
                control.close();
                target.close();
            }
        }
    }
}
