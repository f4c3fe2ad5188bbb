package io.jublk.core.testing;

import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** For tests that need a ublk kernel: they run in the ublk host VM (see platform/core/pom.xml). */
public final class UblkKernel {
    private static final Path CONTROL = Path.of("/dev/ublk-control");

    private UblkKernel() {
    }

    /**
     * Fails when the build runs this test on a ublk host and there is none (a broken VM must not pass as
     * skipped tests); skips on an ordinary machine.
     */
    public static void require() {
        if (Boolean.getBoolean("jublk.expect.ublk")) {
            assertTrue("no " + CONTROL + " on the ublk host", Files.exists(CONTROL));
        } else {
            assumeTrue("no ublk driver on this kernel", Files.exists(CONTROL));
        }
    }

    public static boolean present() {
        return Files.exists(CONTROL);
    }
}
