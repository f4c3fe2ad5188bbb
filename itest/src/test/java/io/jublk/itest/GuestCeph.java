package io.jublk.itest;

import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.rules.ExternalResource;

/**
 * The rbd target's test Ceph cluster (bundles/target-rbd/src/test/ceph-cluster.sh: one monitor and one memstore
 * OSD on 127.0.0.1, pool rbd) inside the ublk host, which has no network to a real one. ContainerSuiteIT's rule
 * starts it in the background as the suite begins, its daemons on the second vCPU, so that it comes up while
 * Karaf boots on the first; RbdConsoleIT, in the container (the same guest, the same /tmp), waits for it with
 * {@link #awaitConf()}; the rule stops it when the suite ends.
 */
final class GuestCeph extends ExternalResource {
    private static final Path DIR = Path.of("/tmp/jublk-it-ceph");
    /** The start's output (created before the start, so the container can tell "not started" from "starting"). */
    private static final Path OUT = Path.of("/tmp/jublk-it-ceph.out");
    /** "EXIT SECONDS" once the start has ended. */
    private static final Path DONE = Path.of("/tmp/jublk-it-ceph.done");
    /** The script's own bound on each wait is 300 s; under TCG the whole start took 35 to 70 s. */
    private static final long START_LIMIT_SECONDS = 420;

    /** In the container: the start's figures were printed. */
    private static boolean reported;

    private Path script;
    private Process starter;

    @Override
    protected void before() throws IOException {
        script = Path.of(System.getProperty("jublk.ceph.script",
                "../bundles/target-rbd/src/test/ceph-cluster.sh")).toAbsolutePath();
        Files.deleteIfExists(DONE);
        Files.writeString(OUT, "");
        // vm/run pins this JVM (and so Karaf) to vCPU 0: the C++ daemons go to vCPU 1 where there is one
        starter = new ProcessBuilder("bash", "-c", """
                start=$SECONDS
                pin=""
                [ "$(nproc --all)" -gt 1 ] && pin="taskset -c 1"
                CEPH_CLUSTER_TIMEOUT=300 $pin "$0" start "$1" >> "$2" 2>&1
                echo "$? $((SECONDS - start))" > "$3.tmp" && mv "$3.tmp" "$3"
                """, script.toString(), DIR.toString(), OUT.toString(), DONE.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(OUT.toFile())).start();
    }

    @Override
    protected void after() {
        try {
            if (!starter.waitFor(START_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                starter.destroyForcibly();
            }
            // not inheritIO: this JVM's stdout is Surefire's channel to Maven
            Process stop = new ProcessBuilder(script.toString(), "stop", DIR.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(OUT.toFile())).start();
            if (!stop.waitFor(60, TimeUnit.SECONDS)) {
                stop.destroyForcibly();
                System.err.println("the guest's Ceph cluster did not stop within 60 s");
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("stopping the guest's Ceph cluster in " + DIR + ": " + e);
        }
    }

    /**
     * The cluster's ceph.conf once the suite's start has ended; fails with the script's output if it failed,
     * or at once if nothing started it (a test class run alone, not through ContainerSuiteIT).
     */
    static Path awaitConf() throws Exception {
        assertTrue("no Ceph cluster in the guest: ContainerSuiteIT starts it (-Dit.test=ContainerSuiteIT)",
                Files.exists(OUT));
        long begin = System.nanoTime();
        long deadline = begin + TimeUnit.SECONDS.toNanos(START_LIMIT_SECONDS);
        while (!Files.exists(DONE)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the guest's Ceph cluster did not come up within " + START_LIMIT_SECONDS
                        + " s:\n" + Files.readString(OUT));
            }
            Thread.sleep(500);
        }
        String[] done = Files.readString(DONE).trim().split(" ");
        if (!done[0].equals("0")) {
            throw new AssertionError("the guest's Ceph cluster did not start (exit " + done[0] + "):\n"
                    + Files.readString(OUT));
        }
        long waited = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - begin);
        if (!reported) {
            reported = true;
            System.out.println("ceph cluster in the guest: up " + done[1] + " s after the suite began; the first rbd test"
                    + " waited " + waited + " s for it");
        }
        return DIR.resolve("ceph.conf");
    }

    /** The cluster's fsid, from its ceph.conf. */
    static String fsid(Path conf) throws IOException {
        return Files.readAllLines(conf).stream().filter(l -> l.startsWith("fsid = ")).findFirst()
                .orElseThrow().substring("fsid = ".length()).trim();
    }
}
