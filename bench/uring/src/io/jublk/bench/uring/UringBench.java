package io.jublk.bench.uring;

import io.jublk.uring.Ring;
import io.jublk.uring.RingConfig;
import io.jublk.uring.sys.Linux;
import java.util.HashMap;
import java.util.Map;

/**
 * Benchmarks the jublk io_uring layer. Prints one "key=value" line per run so the run script can parse it.
 *
 * <pre>
 * UringBench randread --file F --qd 32 --seconds 10 [--warmup 2] [--shape eager|batched] [--fixed] [--split]
 * UringBench nop --batch 32 --seconds 5 [--warmup 1]
 * </pre>
 */
public final class UringBench {
    private UringBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        Map<String, String> opts = options(args);
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "10"));
        double warmup = Double.parseDouble(opts.getOrDefault("warmup", "2"));
        switch (args[0]) {
            case "randread" -> randread(opts, seconds, warmup);
            case "nop" -> nop(opts, seconds, warmup);
            default -> usage();
        }
    }

    private static void randread(Map<String, String> opts, double seconds, double warmup) throws Exception {
        String file = require(opts, "file");
        int qd = Integer.parseInt(opts.getOrDefault("qd", "1"));
        boolean fixed = opts.containsKey("fixed");
        int fd = Linux.open(file, Linux.O_RDONLY | Linux.O_DIRECT | Linux.O_CLOEXEC);
        try (Ring ring = Ring.open(RingConfig.builder(Math.max(2 * qd, 8)).build())) {
            long blocks = Linux.fstat(fd).size() / RandomReadLoop.BLOCK;
            boolean split = opts.containsKey("split");
            String shape = opts.getOrDefault("shape", "eager");
            if (!shape.equals("eager") && !shape.equals("batched")) {
                usage();
            }
            RandomReadLoop loop = new RandomReadLoop(ring, fd, qd, blocks, fixed, split, shape.equals("eager"));
            loop.run(nanos(warmup));
            RandomReadLoop.Result r = loop.run(nanos(seconds));
            System.out.printf("randread qd=%d shape=%s fixed=%b split=%b iops=%.0f errors=%d seconds=%.2f%n", qd,
                    shape, fixed, split,
                    r.completed() / (r.nanos() / 1e9), r.errors(), r.nanos() / 1e9);
        } finally {
            Linux.close(fd);
        }
    }

    private static void nop(Map<String, String> opts, double seconds, double warmup) throws Exception {
        int batch = Integer.parseInt(opts.getOrDefault("batch", "32"));
        try (Ring ring = Ring.open(RingConfig.builder(Math.max(batch, 8)).build())) {
            NopLoop loop = new NopLoop(ring, batch);
            loop.run(nanos(warmup));
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            long ops = loop.run(nanos(seconds));
            double took = (System.nanoTime() - start) / 1e9;
            double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
            // ops per CPU-second of this thread: robust when other processes compete for the cores
            System.out.printf("nop batch=%d ops_per_sec=%.0f ops_per_cpu_sec=%.0f seconds=%.2f%n", batch,
                    ops / took, ops / cpu, took);
        }
    }

    private static long nanos(double seconds) {
        return (long) (seconds * 1e9);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                usage();
            }
            String key = args[i].substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                m.put(key, args[++i]);
            } else {
                m.put(key, "true");
            }
        }
        return m;
    }

    private static String require(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) {
            usage();
        }
        return v;
    }

    private static void usage() {
        System.err.println("usage: UringBench randread --file F --qd N [--seconds S] [--warmup S] [--shape eager|batched]"
                + " [--fixed] [--split]\n"
                + "       UringBench nop --batch N [--seconds S] [--warmup S]");
        System.exit(2);
    }
}
