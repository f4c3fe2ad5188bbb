package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.core.queue.LatencyHistogram;
import io.jublk.core.queue.QueueCounters;
import io.jublk.target.TargetFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** The Prometheus endpoint: the text format, the names it promises, loopback only, on and off by the port. */
public class MetricsEndpointTest {
    private static IoCounters counters(long reads, long readBytes, long readErrors) {
        long[] c = new long[QueueCounters.LENGTH];
        c[0] = reads;
        c[5] = readBytes;
        c[10] = readErrors;
        return new IoCounters(c);
    }

    @Test
    public void textFormatOneSampleADeviceQueueAndOperation() {
        String text = PrometheusText.format(Map.of(2, List.of(counters(10, 40960, 1), counters(3, 12288, 0))));
        assertTrue(text, text.contains("# TYPE jublk_requests_total counter\n"));
        assertTrue(text, text.contains("jublk_requests_total{device=\"2\",queue=\"0\",op=\"read\"} 10\n"));
        assertTrue(text, text.contains("jublk_requests_total{device=\"2\",queue=\"1\",op=\"write_zeroes\"} 0\n"));
        assertTrue(text, text.contains("jublk_bytes_total{device=\"2\",queue=\"1\",op=\"read\"} 12288\n"));
        assertTrue(text, !text.contains("jublk_bytes_total{device=\"2\",queue=\"0\",op=\"flush\"}"));
        assertTrue(text, text.contains("jublk_errors_total{device=\"2\",queue=\"0\",op=\"read\"} 1\n"));
        for (String line : text.split("\n")) {
            assertTrue(line, line.startsWith("#") || PrometheusText.NAMES.contains(baseName(line)));
        }
    }

    /** A sample's metric name, a histogram's series by the histogram's name. */
    private static String baseName(String line) {
        return line.substring(0, line.indexOf('{')).replaceFirst("_(bucket|sum|count)$", "");
    }

    @Test
    public void gaugesEventsAndTheLatencyHistogram() {
        long[] q0 = counters(10, 0, 0).counts();
        q0[QueueCounters.ARRIVALS] = 14;
        q0[QueueCounters.COMMITS] = 10;
        q0[QueueCounters.HELD] = 2;
        q0[QueueCounters.LATENCY + 4] = 6; // 4..5 µs (4096..5120 ns)
        q0[QueueCounters.LATENCY_SUM_NANOS] = 27_000;
        long[] q1 = counters(0, 0, 0).counts();
        q1[QueueCounters.LATENCY + 8] = 4; // 8..10 units
        q1[QueueCounters.LATENCY_SUM_NANOS] = 36_000;
        String text = PrometheusText.format(Map.of(3, List.of(new IoCounters(q0), new IoCounters(q1))),
                Map.of(3, new DeviceEvents(2, 1)));
        assertTrue(text, text.contains("jublk_in_flight_requests{device=\"3\",queue=\"0\"} 4\n"));
        assertTrue(text, text.contains("jublk_held_requests{device=\"3\",queue=\"0\"} 2\n"));
        assertTrue(text, text.contains("jublk_held_requests{device=\"3\",queue=\"1\"} 0\n"));
        assertTrue(text, text.contains("jublk_target_swaps_total{device=\"3\"} 2\n"));
        assertTrue(text, text.contains("jublk_recoveries_total{device=\"3\"} 1\n"));
        assertTrue(text, text.contains("# TYPE jublk_request_latency_seconds histogram\n"));
        // cumulative: bucket 3 (le 4 units = 4.096 µs) 0, bucket 4 (le 5.12 µs) 6, bucket 8 (le 10.24 µs) 10
        assertTrue(text, text.contains("jublk_request_latency_seconds_bucket{device=\"3\",le=\"0.000004096\"} 0\n"));
        assertTrue(text, text.contains("jublk_request_latency_seconds_bucket{device=\"3\",le=\"0.00000512\"} 6\n"));
        assertTrue(text, text.contains("jublk_request_latency_seconds_bucket{device=\"3\",le=\"0.00001024\"} 10\n"));
        assertTrue(text, text.contains("jublk_request_latency_seconds_bucket{device=\"3\",le=\"+Inf\"} 10\n"));
        assertTrue(text, text.contains("jublk_request_latency_seconds_sum{device=\"3\"} 0.000063\n"));
        assertTrue(text, text.contains("jublk_request_latency_seconds_count{device=\"3\"} 10\n"));
        long buckets = text.lines().filter(l -> l.startsWith("jublk_request_latency_seconds_bucket")).count();
        assertEquals(LatencyHistogram.BUCKETS, buckets);
        for (String line : text.split("\n")) {
            assertTrue(line, line.startsWith("#") || PrometheusText.NAMES.contains(baseName(line)));
        }
    }

    /**
     * Every series the shipped Grafana dashboard queries is one the endpoint serves for a device with a queue
     * (karaf-assembly's smoke.sh checks the same against a running container's {@code # TYPE} lines).
     */
    @Test
    public void theDashboardAsksOnlyForServedSeries() throws Exception {
        java.nio.file.Path dashboard = java.nio.file.Path.of(System.getProperty("user.dir")).resolve(
                "../../karaf-assembly/src/main/distribution/lib/jublk/grafana/jublk-dashboard.json").normalize();
        org.junit.Assume.assumeTrue("no dashboard at " + dashboard, java.nio.file.Files.exists(dashboard));
        java.util.Set<String> served = new java.util.TreeSet<>();
        PrometheusText.format(Map.of(0, List.of(counters(1, 4096, 0))), Map.of(0, DeviceEvents.NONE)).lines()
                .filter(l -> !l.startsWith("#")).forEach(l -> served.add(l.substring(0, l.indexOf('{'))));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("jublk_[a-z_]+")
                .matcher(java.nio.file.Files.readString(dashboard));
        int asked = 0;
        while (m.find()) {
            asked++;
            assertTrue(m.group() + " is asked for by the dashboard; served: " + served, served.contains(m.group()));
        }
        assertTrue("the dashboard asks for the latency histogram", asked > 10 && java.nio.file.Files
                .readString(dashboard).contains("histogram_quantile(0.99, sum by (device, le) (rate("
                        + PrometheusText.LATENCY + "_bucket"));
    }

    @Test
    public void servesOnTheLoopbackAndStopsWhenThePortIsZero() throws Exception {
        MetricsEndpoint endpoint = new MetricsEndpoint(core(Map.of(0, List.of(counters(5, 20480, 0)))));
        endpoint.listen(freePort());
        int port = endpoint.port();
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse(""), r.headers().firstValue("Content-Type")
                    .orElse("").startsWith("text/plain; version=0.0.4"));
            assertTrue(r.body(), r.body().contains("jublk_requests_total{device=\"0\",queue=\"0\",op=\"read\"} 5\n"));
        } finally {
            endpoint.configure(Map.of("metricsPort", "0"));
        }
        assertEquals(0, endpoint.port());
    }

    private static int freePort() throws Exception {
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static UblkService core(Map<Integer, List<IoCounters>> counters) {
        return new UblkService() {
            @Override
            public Map<Integer, List<IoCounters>> counters() {
                return counters;
            }

            @Override
            public long kernelFeatures() {
                return 0;
            }

            @Override
            public Collection<TargetFactory> targets() {
                return List.of();
            }

            @Override
            public DeviceStatus add(DeviceSpec spec) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void delete(int id) {
            }

            @Override
            public DeviceStatus recover(int id) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<DeviceStatus> list() {
                return List.of();
            }

            @Override
            public List<DeviceStatus> unserved() {
                return List.of();
            }
        };
    }
}
