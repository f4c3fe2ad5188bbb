package io.jublk.core.device;

import io.jublk.core.queue.LatencyHistogram;
import io.jublk.target.IoOperation;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The counters in Prometheus' text exposition format (version 0.0.4): requests, bytes and errors per device,
 * queue and operation; requests in flight and held per device and queue; target swaps and recoveries per
 * device; the request latency per device as a histogram ({@code _bucket{le=...}}, {@code _sum},
 * {@code _count}, in seconds). The metric names are the contract with dashboards; {@link #NAMES} lists them
 * (a histogram by its base name, as its {@code # TYPE} line gives it).
 */
public final class PrometheusText {
    public static final String LATENCY = "jublk_request_latency_seconds";
    public static final List<String> NAMES = List.of("jublk_requests_total", "jublk_bytes_total",
            "jublk_errors_total", "jublk_in_flight_requests", "jublk_held_requests", "jublk_target_swaps_total",
            "jublk_recoveries_total", LATENCY);
    /** The {@code le} label of each latency bucket, in seconds. */
    private static final String[] LE = new String[LatencyHistogram.BUCKETS];

    static {
        for (int i = 0; i < LE.length - 1; i++) {
            LE[i] = seconds(LatencyHistogram.upperNanos(i));
        }
        LE[LE.length - 1] = "+Inf";
    }

    private PrometheusText() {
    }

    /** The counters alone (no device events). */
    public static String format(Map<Integer, List<IoCounters>> devices) {
        return format(devices, Map.of());
    }

    public static String format(Map<Integer, List<IoCounters>> devices, Map<Integer, DeviceEvents> events) {
        StringBuilder b = new StringBuilder(1024 + devices.size() * 8192);
        metric(b, devices, 0, "Requests committed to the kernel, by device, queue and operation.");
        metric(b, devices, 1, "Bytes read or written by requests that succeeded.");
        metric(b, devices, 2, "Requests committed with an error.");
        gauge(b, devices, NAMES.get(3), "Requests the kernel handed over, not committed yet.", false);
        gauge(b, devices, NAMES.get(4), "Requests held: no target, or fenced by a stuck one.", true);
        event(b, events, NAMES.get(5), "Fresh targets attached to a running device after its target went away.",
                true);
        event(b, events, NAMES.get(6), "Times this server took the device over with user recovery.", false);
        latency(b, devices);
        return b.toString();
    }

    private static void metric(StringBuilder b, Map<Integer, List<IoCounters>> devices, int kind, String help) {
        String name = NAMES.get(kind);
        head(b, name, help, "counter");
        devices.forEach((id, queues) -> {
            for (int q = 0; q < queues.size(); q++) {
                IoCounters c = queues.get(q);
                for (IoOperation op : IoOperation.values()) {
                    if (kind == 1 && op != IoOperation.READ && op != IoOperation.WRITE) {
                        continue;
                    }
                    long value = switch (kind) {
                        case 0 -> c.requests(op);
                        case 1 -> c.bytes(op);
                        default -> c.errors(op);
                    };
                    b.append(name).append("{device=\"").append(id).append("\",queue=\"").append(q)
                            .append("\",op=\"").append(op.name().toLowerCase(Locale.ROOT)).append("\"} ")
                            .append(value).append('\n');
                }
            }
        });
    }

    private static void gauge(StringBuilder b, Map<Integer, List<IoCounters>> devices, String name, String help,
                              boolean held) {
        head(b, name, help, "gauge");
        devices.forEach((id, queues) -> {
            for (int q = 0; q < queues.size(); q++) {
                IoCounters c = queues.get(q);
                b.append(name).append("{device=\"").append(id).append("\",queue=\"").append(q).append("\"} ")
                        .append(held ? c.held() : c.inFlight()).append('\n');
            }
        });
    }

    private static void event(StringBuilder b, Map<Integer, DeviceEvents> events, String name, String help,
                              boolean swaps) {
        head(b, name, help, "counter");
        events.forEach((id, e) -> b.append(name).append("{device=\"").append(id).append("\"} ")
                .append(swaps ? e.targetSwaps() : e.recoveries()).append('\n'));
    }

    /** One histogram a device, its queues summed (a hundred buckets a queue would swamp the scrape). */
    private static void latency(StringBuilder b, Map<Integer, List<IoCounters>> devices) {
        head(b, LATENCY, "Time from a request's arrival from the kernel to its commit.", "histogram");
        devices.forEach((id, queues) -> {
            if (queues.isEmpty()) {
                return;
            }
            IoCounters c = IoCounters.sum(queues);
            long[] buckets = c.latencyBuckets();
            long cumulative = 0;
            for (int i = 0; i < buckets.length; i++) {
                cumulative += buckets[i];
                b.append(LATENCY).append("_bucket{device=\"").append(id).append("\",le=\"").append(LE[i])
                        .append("\"} ").append(cumulative).append('\n');
            }
            b.append(LATENCY).append("_sum{device=\"").append(id).append("\"} ")
                    .append(seconds(c.latencySumNanos())).append('\n');
            b.append(LATENCY).append("_count{device=\"").append(id).append("\"} ").append(cumulative).append('\n');
        });
    }

    private static void head(StringBuilder b, String name, String help, String type) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String seconds(long nanos) {
        return java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
    }
}
