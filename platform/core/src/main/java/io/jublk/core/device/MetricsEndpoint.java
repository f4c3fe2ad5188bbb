package io.jublk.core.device;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code http://127.0.0.1:PORT/metrics}: the counters for Prometheus, served by the JDK's HTTP server on the
 * loopback address only, when {@code metricsPort} of {@code etc/io.jublk.core.cfg} is set (0, the default:
 * off). Follows changes of the port; a bad file is logged once, by the core, and changes nothing here.
 */
@Component(immediate = true, configurationPid = CoreConfig.PID)
public class MetricsEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);

    @Reference
    private UblkService ublk;

    private HttpServer server;
    private int port;

    public MetricsEndpoint() {
    }

    /** For tests. */
    MetricsEndpoint(UblkService ublk) {
        this.ublk = ublk;
    }

    @Activate
    @Modified
    synchronized void configure(Map<String, Object> properties) {
        int wanted;
        try {
            wanted = CoreConfig.of(properties).metricsPort();
        } catch (IllegalArgumentException e) {
            return; // DeviceManager says what is wrong with the file
        }
        listen(wanted);
    }

    /** Serves on {@code wanted} (0: stops serving); a port in use is one WARN line. */
    synchronized void listen(int wanted) {
        if (wanted == port && server != null) {
            return;
        }
        stop();
        if (wanted == 0) {
            return;
        }
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted), 16);
            s.createContext("/metrics", this::metrics);
            s.start();
            server = s;
            port = s.getAddress().getPort();
            LOG.info("metrics for Prometheus at http://127.0.0.1:{}/metrics", port);
        } catch (IOException e) {
            LOG.warn("metrics endpoint not started on 127.0.0.1:{}: {}", wanted, e.getMessage());
        }
    }

    /** The port served (the chosen one when asked for any), or 0. */
    synchronized int port() {
        return server == null ? 0 : port;
    }

    @Deactivate
    synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
            port = 0;
        }
    }

    private void metrics(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = PrometheusText.format(ublk.counters(), ublk.events()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
