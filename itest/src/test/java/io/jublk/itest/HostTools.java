package io.jublk.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The ublk host's own tools (fio, qemu-img, mkfs, mount, rbd), run from a test as a user would run them. */
final class HostTools {
    private HostTools() {
    }

    static boolean installed(String tool) {
        return where(tool) != null;
    }

    /** The tool's file in the usual folders (the container's PATH may lack the sbin ones), or null. */
    private static Path where(String tool) {
        return Stream.of("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/").map(d -> Path.of(d + tool))
                .filter(Files::isExecutable).findFirst().orElse(null);
    }

    /** Runs a command that must exit 0 within ten minutes; returns its output (stdout and stderr). */
    static String ok(String... command) throws Exception {
        List<String> c = new ArrayList<>(List.of(command));
        Path tool = where(command[0]);
        assertTrue(command[0] + " is not installed", tool != null);
        c.set(0, tool.toString());
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(String.join(" ", command) + " did not finish", p.waitFor(600, TimeUnit.SECONDS));
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(String.join(" ", command) + ":\n" + text, 0, p.exitValue());
        return text;
    }

    /** qemu-io on a qcow2 image, one -c per command; a failed read pattern or write fails the test. */
    static void qemuIo(Path image, String... commands) throws Exception {
        List<String> c = new ArrayList<>(List.of("qemu-io", "-f", "qcow2"));
        for (String command : commands) {
            c.add("-c");
            c.add(command);
        }
        c.add(image.toString());
        String out = ok(c.toArray(String[]::new));
        assertFalse(out, out.contains("failed") || out.contains("error"));
    }

    /**
     * fio writing {@code size} of {@code disk} from {@code offset} in random 4k blocks at QD32, then verifying
     * them (crc32c), paced at 1000 I/Os a second so that it runs for a while however fast the machine: the
     * events a test causes must happen while it runs. In the background: see {@link #assertFioClean}.
     */
    static Process verifyWriter(Path disk, String offset, String size) throws Exception {
        Path fio = where("fio");
        assertTrue("fio is not installed", fio != null);
        return new ProcessBuilder(fio.toString(), "--name=verify", "--filename=" + disk, "--rw=randwrite", "--bs=4k",
                "--offset=" + offset, "--size=" + size, "--direct=1", "--ioengine=io_uring", "--iodepth=32",
                "--rate_iops=1000", "--verify=crc32c", "--verify_fatal=1", "--do_verify=1", "--verify_state_save=0")
                .redirectErrorStream(true).start();
    }

    /** The fio of {@link #verifyWriter} is still running at {@code event}. */
    static void assertRunning(Process fio, String event) throws Exception {
        if (!fio.isAlive()) {
            throw new AssertionError("fio ended (exit " + fio.exitValue() + ") before " + event + ":\n"
                    + new String(fio.getInputStream().readAllBytes()));
        }
    }

    /** The fio of {@link #verifyWriter} ended with no error, every block verified. */
    static void assertFioClean(Process fio, String events) throws Exception {
        assertTrue("fio finished", fio.waitFor(600, TimeUnit.SECONDS));
        String out = new String(fio.getInputStream().readAllBytes());
        assertEquals(out, 0, fio.exitValue());
        assertTrue(out, out.contains("err= 0"));
        // bench/nolost collects these lines: the pause the events caused, as fio's longest I/O latency
        System.out.println("pause: " + events + ": " + String.join("; ", out.lines()
                .filter(l -> l.matches("^ +lat \\((nsec|usec|msec)\\): .*"))
                .map(l -> l.trim().replaceAll(", avg.*", "")).toList()));
    }

    /** fio 4k random writes over the first {@code size} of {@code disk}, QD32, every block verified (crc32c). */
    static void fio(Path disk, String size) throws Exception {
        String out = ok("fio", "--name=verify", "--filename=" + disk, "--rw=randwrite", "--bs=4k", "--size=" + size,
                "--direct=1", "--ioengine=io_uring", "--iodepth=32", "--verify=crc32c", "--verify_fatal=1",
                "--do_verify=1", "--verify_state_save=0");
        assertTrue(out, out.contains("err= 0"));
    }
}
