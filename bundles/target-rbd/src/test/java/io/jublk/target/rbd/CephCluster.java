package io.jublk.target.rbd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The test cluster: one monitor and one memstore OSD on 127.0.0.1 (src/test/ceph-cluster.sh), started once per
 * test JVM by the first test that asks for it and stopped when the JVM ends, so every test class of the module
 * shares one start. Fails (does not skip) with the script's output when Ceph is missing or does not come up.
 */
final class CephCluster {
    private static final Path SCRIPT = Path.of("src/test/ceph-cluster.sh").toAbsolutePath();
    private static final long START_TIMEOUT_SECONDS = 150;
    private static CephCluster shared;

    final Path dir;
    final Path conf;
    final long startMillis;

    private CephCluster(Path dir, Path conf, long startMillis) {
        this.dir = dir;
        this.conf = conf;
        this.startMillis = startMillis;
    }

    /** The shared cluster, started on first use. */
    static synchronized CephCluster get() throws IOException, InterruptedException {
        if (shared == null) {
            Path dir = Files.createTempDirectory("jublk-ceph-");
            long start = System.nanoTime();
            Result r = run(List.of(SCRIPT.toString(), "start", dir.toString()), START_TIMEOUT_SECONDS,
                    Map.of("CEPH_CLUSTER_TIMEOUT", "120"));
            if (r.exit != 0) {
                run(List.of(SCRIPT.toString(), "stop", dir.toString()), 30, Map.of());
                throw new AssertionError("the test Ceph cluster did not start (exit " + r.exit + "); the rbd target's"
                        + " tests need Debian's ceph-mon, ceph-osd, ceph-common and librbd1 (scripts/prereqs):\n"
                        + r.output);
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("ceph test cluster up in " + ms + " ms: " + dir);
            shared = new CephCluster(dir, dir.resolve("ceph.conf"), ms);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    run(List.of(SCRIPT.toString(), "stop", dir.toString()), 30, Map.of());
                } catch (IOException | InterruptedException e) {
                    System.err.println("stopping the ceph test cluster in " + dir + ": " + e);
                }
            }));
        }
        return shared;
    }

    /** The cluster's fsid, from its ceph.conf. */
    String fsid() throws IOException {
        return Files.readAllLines(conf).stream().filter(l -> l.startsWith("fsid = ")).findFirst()
                .orElseThrow().substring("fsid = ".length()).trim();
    }

    /** Runs {@code rbd -c CONF args...}, which must succeed; returns its output. */
    String rbd(String... args) throws IOException, InterruptedException {
        return tool("rbd", args);
    }

    /** Runs {@code ceph -c CONF args...}, which must succeed; returns its output. */
    String ceph(String... args) throws IOException, InterruptedException {
        return tool("ceph", args);
    }

    private String tool(String name, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(name, "-c", conf.toString()));
        cmd.addAll(List.of(args));
        Result r = run(cmd, 60, Map.of());
        if (r.exit != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (exit " + r.exit + "):\n" + r.output);
        }
        return r.output;
    }

    /** Runs {@code rbd -c CONF args...}; returns the exit status and output, whatever they are. */
    Result tryRbd(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("rbd", "-c", conf.toString()));
        cmd.addAll(List.of(args));
        return run(cmd, 60, Map.of());
    }

    /** A new image of {@code mib} MiB in pool rbd with the default features (exclusive-lock among them). */
    void createImage(String name, int mib) throws IOException, InterruptedException {
        rbd("create", "--size", mib + "M", "rbd/" + name);
    }

    /** The options of an rbd disk on {@code image} of pool rbd in this cluster. */
    Map<String, String> options(String image) {
        return Map.of("pool", "rbd", "image", image, "conf", conf.toString());
    }

    /** The image's bytes, through {@code rbd export}. */
    byte[] export(String image) throws IOException, InterruptedException {
        Path out = dir.resolve("export-" + image + ".bin");
        Files.deleteIfExists(out);
        rbd("export", "--no-progress", "rbd/" + image, out.toString());
        byte[] data = Files.readAllBytes(out);
        Files.delete(out);
        return data;
    }

    record Result(int exit, String output) {
    }

    static Result run(List<String> cmd, long timeoutSeconds, Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append(e);
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join(5000);
            throw new AssertionError(String.join(" ", cmd) + " took longer than " + timeoutSeconds + " s:\n" + out);
        }
        reader.join();
        return new Result(p.exitValue(), out.toString());
    }
}
