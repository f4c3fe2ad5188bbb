package io.jublk.target.qcow2.image;

import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** QEMU's own tools (Debian's qemu-utils) as the oracle: qemu-img and qemu-io, run as processes. */
public final class Qemu {
    private Qemu() {
    }

    public record Result(int exit, String output) {
    }

    public static void assumeInstalled() {
        assumeTrue("qemu-img is not installed (apt-get install qemu-utils)",
                Files.isExecutable(Path.of("/usr/bin/qemu-img")) && Files.isExecutable(Path.of("/usr/bin/qemu-io")));
    }

    public static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Runs a command that must succeed; returns its output. */
    public static String ok(String... command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + r.exit() + "): " + r.output());
        }
        return r.output();
    }

    public static void img(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("qemu-img"));
        c.addAll(List.of(args));
        ok(c.toArray(String[]::new));
    }

    /** qemu-io on a qcow2 image, each of {@code commands} one -c. */
    public static void io(Path image, String... commands) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("qemu-io", "-f", "qcow2"));
        for (String command : commands) {
            c.add("-c");
            c.add(command);
        }
        c.add(image.toString());
        String out = ok(c.toArray(String[]::new));
        if (out.contains("failed") || out.contains("error")) {
            throw new AssertionError("qemu-io: " + out);
        }
    }

    /** The disk's bytes as QEMU reads them ({@code qemu-img convert -O raw}). */
    public static byte[] raw(Path image, Path scratch) throws IOException, InterruptedException {
        Path out = scratch.resolve("oracle-" + System.nanoTime() + ".raw");
        img("convert", "-O", "raw", image.toString(), out.toString());
        byte[] b = Files.readAllBytes(out);
        Files.delete(out);
        return b;
    }

    /**
     * {@code qemu-img check}: exit 0 clean, 3 leaks only; anything else (2: corruption) fails with its report.
     */
    public static Result check(Path image) throws IOException, InterruptedException {
        Result r = run("qemu-img", "check", "-f", "qcow2", image.toString());
        if (r.exit() != 0 && r.exit() != 3) {
            throw new AssertionError("qemu-img check " + image + " found corruption (" + r.exit() + "):\n"
                    + r.output());
        }
        return r;
    }
}
