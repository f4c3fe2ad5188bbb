package io.jublk.core.device;

import io.jublk.target.IoOperation;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The counters in Prometheus' text exposition format (version 0.0.4): one sample per device, queue and
 * operation. The metric names are the contract with dashboards; {@link #NAMES} lists them.
 */
public final class PrometheusText {
    public static final List<String> NAMES = List.of("jublk_requests_total", "jublk_bytes_total",
            "jublk_errors_total");

    private PrometheusText() {
    }

    public static String format(Map<Integer, List<IoCounters>> devices) {
        StringBuilder b = new StringBuilder(256 + devices.size() * 1024);
        metric(b, devices, 0, "Requests committed to the kernel, by device, queue and operation.");
        metric(b, devices, 1, "Bytes read or written by requests that succeeded.");
        metric(b, devices, 2, "Requests committed with an error.");
        return b.toString();
    }

    private static void metric(StringBuilder b, Map<Integer, List<IoCounters>> devices, int kind, String help) {
        String name = NAMES.get(kind);
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" counter\n");
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
}
