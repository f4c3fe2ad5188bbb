package io.jublk.testkit;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** External programs (fio, mkfs, qemu-img) run by tests, with their output kept for the failure message. */
public final class Commands {
    private Commands() {
    }

    /** Runs {@code command}, which must exit 0 within {@code timeoutSeconds}; prints its exit status and time. */
    public static void run(List<String> command, long timeoutSeconds) throws Exception {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
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
            throw new AssertionError(command.get(0) + " took longer than " + timeoutSeconds + " s:\n" + out);
        }
        reader.join();
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println(String.join(" ", command) + " -> " + p.exitValue() + " in " + ms + " ms");
        assertEquals(command.get(0) + " failed:\n" + out, 0, p.exitValue());
    }
}
