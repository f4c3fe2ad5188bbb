package io.jublk.uring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** A host without liburing gets a clear reason, not a crash; checked in a separate JVM. */
public class UnavailableTest {

    /** Run in the child JVM: tries to open a ring and prints what happened. */
    public static void main(String[] args) {
        try (Ring ring = Ring.open(RingConfig.builder(4).build())) {
            System.out.println("OPENED " + ring);
        } catch (UringUnavailableException e) {
            System.out.println("UNAVAILABLE " + e.getMessage());
        } catch (Throwable t) {
            System.out.println("OTHER " + t);
        }
        UringSupport support = UringSupport.detect();
        System.out.println("SUPPORT " + support.available() + " " + support.describe());
    }

    @Test
    public void missingLiburingIsExplained() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Djublk.liburing=/nonexistent/liburing.so.2", "-cp", System.getProperty("java.class.path"),
                UnavailableTest.class.getName())).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(out, 0, child.exitValue());
        System.out.print(out);
        assertTrue(out, out.contains("UNAVAILABLE liburing not found (tried /nonexistent/liburing.so.2)"));
        assertTrue(out, out.contains("apt install liburing2"));
        assertTrue(out, out.contains("SUPPORT false io_uring unavailable: liburing not found"));
        assertFalse(out, out.contains("OPENED"));
    }
}
