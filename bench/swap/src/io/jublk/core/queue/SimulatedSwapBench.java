package io.jublk.core.queue;

import io.jublk.core.uapi.IoOp;
import io.jublk.target.Target;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import io.jublk.target.loop.LoopTargetFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The pause of a target swap under load, natively, against the SIMULATED ublk driver (no kernel driver, no
 * Karaf): the real queue thread and its ring (QueueRunner), a real loop target on a real file, and a load like
 * bench/nolost's fio (4k random writes at a fixed rate, at most QD in flight). Per round: REF, the load with no
 * event (its p99.9), then SWAP, the same load with one swap half-way, done as the device does it for a bundle
 * update (UblkDevice.detachTarget, then ServingAgain.serveAgain): detach (no new requests; the old target answers
 * what it holds), close the old target, open a new one from the factory, attach it (held requests go to it).
 * The longest request latency of SWAP is the pause a disk's user sees; Felix's and SCR's part of an update (the
 * bundle stopped, read again, started, its factory registered) is not in it: bench/swap/run karaf times that.
 *
 * <p>Usage: SimulatedSwapBench FILE ROUNDS SECONDS IOPS QD (FILE: the loop target's backing, at least 64 MiB).
 */
public final class SimulatedSwapBench {
    private static final int LENGTH = 4096;

    private final Path file;
    private final long sectors;
    private final int iops;
    private final int depth;
    private final long seconds;
    private final TargetFactory factory = new LoopTargetFactory();
    private final TargetOptions options;

    private SimulatedSwapBench(Path file, long seconds, int iops, int depth) throws Exception {
        this.file = file;
        this.sectors = Files.size(file) >> 9;
        this.seconds = seconds;
        this.iops = iops;
        this.depth = depth;
        this.options = new TargetOptions(Map.of("file", file.toString()));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: SimulatedSwapBench FILE ROUNDS SECONDS IOPS QD");
            System.exit(2);
        }
        SimulatedSwapBench bench = new SimulatedSwapBench(Path.of(args[0]), Long.parseLong(args[2]),
                Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        int rounds = Integer.parseInt(args[1]);
        double[] ref = new double[rounds];
        double[] pause = new double[rounds];
        double[] core = new double[rounds];
        int errors = 0;
        System.out.printf(Locale.ROOT, "# simulated driver, loop target on %s, 4k random writes at %d IOPS, QD %d,"
                + " %d s per run%n", bench.file, bench.iops, bench.depth, bench.seconds);
        for (int r = 0; r < rounds; r++) {
            Result noEvent = bench.run(false);
            Result swap = bench.run(true);
            ref[r] = noEvent.p999;
            pause[r] = swap.heldMax;
            core[r] = swap.swapMs[3];
            errors += noEvent.errors + swap.errors;
            System.out.printf(Locale.ROOT, "swap: round %d  ref p99.9 %.3f ms (max %.3f ms, %d I/Os)"
                    + "  swap longest I/O %.3f ms (%.1fx p99.9, %d I/Os), of the %d with the queue during the swap"
                    + " %.3f ms (%.1fx)  detach %.3f, old closed %.3f, new opened %.3f, attached %.3f ms  errors %d%n",
                    r + 1, noEvent.p999, noEvent.max, noEvent.count, swap.max, swap.max / noEvent.p999, swap.count,
                    swap.held, swap.heldMax, swap.heldMax / noEvent.p999, swap.swapMs[0],
                    swap.swapMs[1] - swap.swapMs[0], swap.swapMs[2] - swap.swapMs[1], swap.swapMs[3] - swap.swapMs[2],
                    noEvent.errors + swap.errors);
        }
        System.out.printf(Locale.ROOT, "median: ref p99.9 %.3f ms, longest I/O with the queue during the swap"
                + " %.3f ms (%.1fx), swap itself (detach to attached) %.3f ms; %d round(s), errors %d%n", median(ref), median(pause),
                median(pause) / median(ref), median(core), rounds, errors);
        System.exit(errors == 0 ? 0 : 1);
    }

    /** One run's figures, in ms; swapMs: the swap's steps since its start (detached, closed, opened, attached). */
    private record Result(double p999, double max, int count, int errors, double[] swapMs, double heldMax,
                          int held) {
    }

    private Result run(boolean swap) throws Exception {
        SimulatedUblkDriver driver = new SimulatedUblkDriver(depth, sectors, 0);
        Target first = factory.open(options);
        QueueRunner q = driver.start(first, (queue, cause) -> cause.printStackTrace());
        BlockingQueue<Integer> free = new ArrayBlockingQueue<>(depth);
        for (int tag = 0; tag < depth; tag++) {
            free.add(tag);
        }
        int planned = (int) (iops * seconds);
        int[] requestOf = new int[depth];
        long[] posted = new long[planned];
        long[] latency = new long[planned];
        AtomicInteger done = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        byte[] data = new byte[LENGTH];
        Arrays.fill(data, (byte) 0x5a);
        Thread collector = Thread.ofPlatform().name("bench-commits").start(() -> {
            try {
                while (done.get() < planned) {
                    SimulatedUblkDriver.Commit c = driver.awaitCommit(10_000);
                    if (c == null) {
                        throw new IllegalStateException("no commit within 10 s");
                    }
                    long now = System.nanoTime();
                    int i = requestOf[c.tag()];
                    latency[i] = now - posted[i];
                    done.incrementAndGet();
                    if (c.result() != LENGTH) {
                        errors.incrementAndGet();
                    }
                    free.add(c.tag());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long[] steps = new long[4];
        long[] window = new long[2];
        Target[] current = {first};
        Thread swapper = null;
        long start = System.nanoTime();
        if (swap) {
            swapper = Thread.ofPlatform().name("bench-swap").start(() -> {
                LockSupport.parkNanos(start + TimeUnit.SECONDS.toNanos(seconds) / 2 - System.nanoTime());
                try {
                    long t0 = System.nanoTime();
                    window[0] = t0;
                    q.detachTarget().get(10, TimeUnit.SECONDS);
                    steps[0] = System.nanoTime() - t0;
                    current[0].close();
                    steps[1] = System.nanoTime() - t0;
                    Target next = factory.open(options);
                    steps[2] = System.nanoTime() - t0;
                    q.attachTarget(next).get(10, TimeUnit.SECONDS);
                    steps[3] = System.nanoTime() - t0;
                    window[1] = t0 + steps[3];
                    current[0] = next;
                } catch (Exception e) {
                    throw new IllegalStateException("the swap failed", e);
                }
            });
        }
        SplittableRandom random = new SplittableRandom(42);
        long blocks = sectors / (LENGTH / 512);
        long interval = 1_000_000_000L / iops;
        for (int i = 0; i < planned; i++) {
            LockSupport.parkNanos(start + i * interval - System.nanoTime());
            int tag = free.take();
            requestOf[tag] = i;
            posted[i] = System.nanoTime();
            driver.request(tag, IoOp.WRITE, random.nextLong(blocks) * (LENGTH / 512), LENGTH / 512, 0, data);
        }
        collector.join();
        if (swapper != null) {
            swapper.join();
        }
        long heldMax = 0;
        int held = 0;
        for (int i = 0; i < planned; i++) {
            // held by the swap: with the queue from before the detach until after the attach
            if (swap && posted[i] < window[1] && posted[i] + latency[i] > window[0]) {
                held++;
                heldMax = Math.max(heldMax, latency[i]);
            }
        }
        driver.shutDown();
        current[0].close();
        double[] swapMs = new double[4];
        for (int i = 0; i < 4; i++) {
            swapMs[i] = steps[i] / 1e6;
        }
        return new Result(percentile(latency, 0.999) / 1e6, percentile(latency, 1.0) / 1e6, planned, errors.get(),
                swapMs, heldMax / 1e6, held);
    }

    private static long percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(sorted.length - 1) / 2];
    }
}
