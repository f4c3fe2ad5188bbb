package io.jublk.shell;

import io.jublk.core.device.DeviceEvents;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.IoCounters;
import io.jublk.core.device.UblkService;
import io.jublk.target.IoOperation;
import io.jublk.target.OptionSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Session;

/**
 * {@code ublk:stat [-n ID] [-l] [-i SECONDS [-c COUNT]]}: each served device's requests, bytes, errors, requests
 * in flight and held, target swaps and recoveries: the totals since its queues started, or, with -i, one
 * iostat-like line per device per interval; -l adds latency percentiles (arrival to commit).
 */
final class StatCommand extends UblkCommand {
    static final OptionSpec NUMBER = OptionSpec.value("number", "n", "ID", "only this device", false);
    static final OptionSpec INTERVAL = OptionSpec.value("interval", "i", "SECONDS",
            "a line per device every SECONDS, with rates over the interval (until interrupted, or -c)", false);
    static final OptionSpec COUNT = OptionSpec.value("count", "c", "COUNT", "with -i: stop after COUNT intervals",
            false);
    static final OptionSpec LATENCY = new OptionSpec("latency", "l", null,
            "add latency percentiles in µs, from a request's arrival to its commit (over the interval with -i)", false);
    static final List<OptionSpec> OPTIONS = List.of(NUMBER, INTERVAL, COUNT, LATENCY);

    StatCommand(UblkService ublk) {
        super(ublk, "stat", "Request counters of the ublk devices: totals, or rates every -i SECONDS", OPTIONS);
    }

    @Override
    void execute(List<String> args, PrintStream out) throws UsageException, IOException {
        Map<String, String> given = parse(args);
        int id = given.containsKey(NUMBER.name()) ? Options.number(NUMBER, given.get(NUMBER.name()), 0, DeviceSpec.MAX_ID)
                : -1;
        int interval = given.containsKey(INTERVAL.name())
                ? Options.number(INTERVAL, given.get(INTERVAL.name()), 1, 3600) : 0;
        int count = given.containsKey(COUNT.name()) ? Options.number(COUNT, given.get(COUNT.name()), 1, 1 << 30)
                : Integer.MAX_VALUE;
        if (interval == 0 && given.containsKey(COUNT.name())) {
            throw new UsageException("-c COUNT needs -i SECONDS");
        }
        boolean latency = given.containsKey(LATENCY.name());
        Map<Integer, IoCounters> before = devices(id);
        if (interval == 0) {
            Map<Integer, DeviceEvents> events = ublk.events();
            before.forEach((dev, c) -> out.println(totals(dev, c, events.getOrDefault(dev, DeviceEvents.NONE))
                    + (latency ? latency(c) : "")));
            return;
        }
        for (int i = 0; i < count; i++) {
            try {
                Thread.sleep(interval * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // ^C ends it quietly, as iostat
            }
            Map<Integer, IoCounters> now = devices(id);
            now.forEach((dev, c) -> {
                IoCounters earlier = before.getOrDefault(dev, IoCounters.ZERO);
                out.println(rates(dev, c, earlier, interval) + (latency ? latency(c.since(earlier)) : ""));
            });
            out.flush();
            before.clear();
            before.putAll(now);
        }
    }

    private Map<Integer, IoCounters> devices(int id) throws UsageException {
        Map<Integer, IoCounters> out = new java.util.TreeMap<>();
        ublk.counters().forEach((dev, queues) -> {
            if (id < 0 || dev == id) {
                out.put(dev, IoCounters.sum(queues));
            }
        });
        if (id >= 0 && out.isEmpty()) {
            throw new UsageException("no device " + id + " served here");
        }
        return out;
    }

    /**
     * {@code dev 0: read 12 (49152 bytes) write 3 (12288 bytes) flush 1 discard 0 write-zeroes 0 errors 0
     * in-flight 0 held 0 swaps 0 recoveries 0}.
     */
    static String totals(int dev, IoCounters c, DeviceEvents events) {
        StringBuilder b = new StringBuilder("dev ").append(dev).append(':');
        for (IoOperation op : IoOperation.values()) {
            b.append(' ').append(name(op)).append(' ').append(c.requests(op));
            if (op == IoOperation.READ || op == IoOperation.WRITE) {
                b.append(" (").append(c.bytes(op)).append(" bytes)");
            }
        }
        return b.append(" errors ").append(c.errors()).append(" in-flight ").append(c.inFlight())
                .append(" held ").append(c.held()).append(" swaps ").append(events.targetSwaps())
                .append(" recoveries ").append(events.recoveries()).toString();
    }

    /** {@code  lat-us p50 12.3 p90 20.1 p99 80.0 p99.9 120.5 (n 1000)}: from the histogram's buckets. */
    static String latency(IoCounters c) {
        return String.format(Locale.ROOT, " lat-us p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f (n %d)",
                c.latencyPercentileNanos(0.5) / 1000.0, c.latencyPercentileNanos(0.9) / 1000.0,
                c.latencyPercentileNanos(0.99) / 1000.0, c.latencyPercentileNanos(0.999) / 1000.0,
                c.latencyCount());
    }

    /** {@code dev 0: r/s 100.0 rkB/s 400.0 w/s ... errors 0} over {@code seconds}. */
    static String rates(int dev, IoCounters now, IoCounters before, int seconds) {
        double s = seconds;
        long r = now.requests(IoOperation.READ) - before.requests(IoOperation.READ);
        long w = now.requests(IoOperation.WRITE) - before.requests(IoOperation.WRITE);
        long rb = now.bytes(IoOperation.READ) - before.bytes(IoOperation.READ);
        long wb = now.bytes(IoOperation.WRITE) - before.bytes(IoOperation.WRITE);
        long f = now.requests(IoOperation.FLUSH) - before.requests(IoOperation.FLUSH);
        long d = now.requests(IoOperation.DISCARD) + now.requests(IoOperation.WRITE_ZEROES)
                - before.requests(IoOperation.DISCARD) - before.requests(IoOperation.WRITE_ZEROES);
        return String.format(Locale.ROOT,
                "dev %d: r/s %.1f rkB/s %.1f w/s %.1f wkB/s %.1f f/s %.1f d/s %.1f errors %d in-flight %d held %d",
                dev, r / s, rb / 1024.0 / s, w / s, wb / 1024.0 / s, f / s, d / s, now.errors() - before.errors(),
                now.inFlight(), now.held());
    }

    private static String name(IoOperation op) {
        return op.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    String help(List<String> args) {
        return help("Prints each served device's request counters since its queues started (a line a device):"
                + " requests by operation, bytes read and written, errors, requests in flight and held now, target"
                + " swaps and recoveries. With -i SECONDS, a line per device every interval with the rates over it,"
                + " until interrupted or -c COUNT intervals. -l adds latency percentiles (µs from a request's"
                + " arrival to its commit; log-linear buckets, within 25 %).",
                "ublk:stat [-n ID] [-l] [-i SECONDS [-c COUNT]]");
    }

    @Override
    void completeValue(OptionSpec option, Session session, CommandLine line, List<Candidate> out) {
        if (option.equals(NUMBER)) {
            deviceIds(false, out);
        }
    }
}
