package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

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
        long[] c = new long[15];
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
            assertTrue(line, line.startsWith("#") || PrometheusText.NAMES.contains(line.substring(0, line.indexOf('{'))));
        }
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
