package io.jublk.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * Running jublk as an operator does (issue 18): a device declared in etc/ before the container started is
 * there; a viewer over ssh may look but not change; the counters follow fio exactly, and ublk:stat and the
 * Prometheus endpoint give the same figures.
 */
public class OperatorIT extends ContainerTestBase {
    static final int METRICS_PORT = 9105;
    static final int DECLARED_ID = 60;
    static final String DECLARED_FILE = "etc/io.jublk.device-itest.cfg";
    private static final Pattern STAT = Pattern.compile("dev (\\d+): read (\\d+) \\(\\d+ bytes\\) write (\\d+) \\(\\d+"
            + " bytes\\) flush (\\d+) discard (\\d+) write-zeroes (\\d+) errors (\\d+) in-flight (\\d+) held (\\d+).*");

    @Test
    public void aDeviceDeclaredBeforeTheStartIsServed() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        String list = "";
        while (System.nanoTime() < deadline) {
            try {
                list = console.run("ublk:list -n " + DECLARED_ID);
                if (list.contains("LIVE") && Files.exists(Path.of("/dev/ublkb" + DECLARED_ID))) {
                    break;
                }
            } catch (Exception notYet) {
                list = notYet.toString();
            }
            Thread.sleep(1000);
        }
        assertTrue(list, list.startsWith("dev id " + DECLARED_ID + ":") && list.contains("LIVE"));
        assertEquals("option.size of the declared file", 64L << 20, sizeOf(DECLARED_ID));
    }

    /** fio's I/O count is what the queues counted; ublk:stat and /metrics agree, latency counted for each. */
    @Test
    public void countersFollowFioAndStatAndPrometheusAgree() throws Exception {
        int id = Console.deviceId(console.run("ublk:add null --size 64M -q 2"));
        Path disk = Path.of("/dev/ublkb" + id);
        try {
            long[] before = settledStat(id);
            long[] reads = fioIos(disk, "randread");
            long[] writes = fioIos(disk, "randwrite");
            long[] after = settledStat(id);
            assertEquals("fio's reads were counted", reads[0], after[1] - before[1]);
            assertEquals("fio's writes were counted", writes[1], after[2] - before[2]);
            assertEquals("errors", 0, after[6]);
            assertEquals("in flight once fio is done", 0, after[7]);
            assertEquals("held", 0, after[8]);

            String metrics = get("http://127.0.0.1:" + METRICS_PORT + "/metrics");
            assertEquals(metrics, after[1], sum(metrics, "jublk_requests_total\\{device=\"" + id + "\",queue=\"\\d+\",op=\"read\"\\}"));
            assertEquals(metrics, after[2], sum(metrics, "jublk_requests_total\\{device=\"" + id + "\",queue=\"\\d+\",op=\"write\"\\}"));
            assertEquals(metrics, 0, sum(metrics, "jublk_in_flight_requests\\{device=\"" + id + "\",queue=\"\\d+\"\\}"));
            long committed = after[1] + after[2] + after[3] + after[4] + after[5];
            assertEquals("every request was timed", committed,
                    sum(metrics, "jublk_request_latency_seconds_count\\{device=\"" + id + "\"\\}"));
            assertEquals(committed, sum(metrics,
                    "jublk_request_latency_seconds_bucket\\{device=\"" + id + "\",le=\"\\+Inf\"\\}"));
            String latency = console.run("ublk:stat -l -n " + id);
            assertTrue(latency, latency.matches("(?s).* lat-us p50 [0-9.]+ p90 [0-9.]+ p99 [0-9.]+ p99\\.9 [0-9.]+ \\(n "
                    + committed + "\\)"));
        } finally {
            console.run("ublk:del -n " + id);
        }
    }

    /** A key user with the viewer role only, through Karaf's ssh server, as smoke.sh does outside the VM. */
    @Test
    public void aViewerOverSshMayLookButNotChange() throws Exception {
        Path dir = Files.createTempDirectory("viewer");
        Path key = dir.resolve("viewer.key");
        HostTools.ok("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f", key.toString());
        String pub = Files.readString(Path.of(key + ".pub")).trim().split(" ")[1];
        Path keys = Path.of(System.getProperty("karaf.etc", System.getProperty("karaf.home") + "/etc"), "keys.properties");
        Files.writeString(keys, "\nviewer = " + pub + ",_g_:viewergroup\n", StandardOpenOption.APPEND);
        PlatformIT.awaitSshServer();
        String roles = ssh(key, "jaas:whoami -r");
        assertTrue(roles, roles.contains("viewer") && !roles.contains("admin"));
        for (String cmd : List.of("ublk:targets", "ublk:list", "ublk:list --json", "ublk:features", "ublk:stat -l")) {
            String out = ssh(key, cmd);
            assertFalse(cmd + ": " + out, out.contains("Command not found") || out.contains("Insufficient"));
        }
        Path image = dir.resolve("viewer.qcow2");
        for (String cmd : List.of("ublk:add null -n 61 --size 1M", "ublk:del -a", "ublk:del -n " + DECLARED_ID,
                "ublk:recover -n " + DECLARED_ID, "ublk:resize -n " + DECLARED_ID + " 128M",
                "ublk:qcow2-create -s 1M " + image, "ublk:qcow2-check " + image)) {
            String out = ssh(key, cmd);
            String name = cmd.split(" ")[0];
            assertTrue(cmd + ": " + out, out.contains("Command not found: " + name));
        }
        assertFalse("the refused add made no device", Files.exists(Path.of("/dev/ublkb61")));
        assertFalse("the refused qcow2-create made no file", Files.exists(image));
        assertTrue("the refused del left the declared device", console.run("ublk:list -n " + DECLARED_ID).contains("LIVE"));
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static long sizeOf(int id) throws Exception {
        return Long.parseLong(Files.readString(Path.of("/sys/block/ublkb" + id + "/size")).trim()) * 512;
    }

    /** ublk:stat's figures of device {@code id} once two readings a second apart agree (the kernel's probing done). */
    private long[] settledStat(int id) throws Exception {
        long[] last = stat(id);
        for (int i = 0; i < 30; i++) {
            Thread.sleep(1000);
            long[] now = stat(id);
            if (java.util.Arrays.equals(now, last)) {
                return now;
            }
            last = now;
        }
        throw new AssertionError("the counters of device " + id + " do not settle");
    }

    /** id, reads, writes, flushes, discards, write-zeroes, errors, in flight, held. */
    private long[] stat(int id) throws Exception {
        String line = console.run("ublk:stat -n " + id);
        Matcher m = STAT.matcher(line);
        assertTrue(line, m.matches());
        long[] v = new long[9];
        for (int i = 0; i < v.length; i++) {
            v[i] = Long.parseLong(m.group(i + 1));
        }
        return v;
    }

    /** fio at QD 1 (no merging in the block layer) over the first 8 MiB, each 4k block once: its read and write I/Os. */
    private static long[] fioIos(Path disk, String rw) throws Exception {
        String json = HostTools.ok("fio", "--name=count", "--filename=" + disk, "--rw=" + rw, "--bs=4k", "--size=8M",
                "--direct=1", "--ioengine=io_uring", "--iodepth=1", "--output-format=json");
        Matcher m = Pattern.compile("\"total_ios\" : (\\d+)").matcher(json);
        long[] ios = new long[2];
        for (int i = 0; i < 2; i++) {
            assertTrue(json, m.find());
            ios[i] = Long.parseLong(m.group(1));
        }
        assertEquals(json, 2048, ios[0] + ios[1]);
        return ios;
    }

    private static long sum(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " (\\d+)$").matcher(metrics);
        long sum = 0;
        int n = 0;
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
            n++;
        }
        assertTrue("no sample of " + series, n > 0);
        return sum;
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    /** One command over ssh as the viewer; its output (a refused command's too), without ANSI colours. */
    private static String ssh(Path key, String command) throws Exception {
        List<String> c = new ArrayList<>(List.of("/usr/bin/ssh", "-o", "StrictHostKeyChecking=no", "-o",
                "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "ConnectTimeout=30",
                "-p", "8101", "-i", key.toString(), "viewer@127.0.0.1", command));
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        assertTrue("ssh " + command + " did not finish", p.waitFor(120, TimeUnit.SECONDS));
        return out.toString(StandardCharsets.UTF_8).replaceAll("\u001b\\[[0-9;]*[A-Za-z]", "");
    }
}
