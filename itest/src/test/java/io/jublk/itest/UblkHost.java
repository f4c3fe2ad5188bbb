package io.jublk.itest;

import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the kernel the tests run on (the ublk host VM, or this machine). */
final class UblkHost {
    static final Path CONTROL = Path.of("/dev/ublk-control");

    private UblkHost() {
    }

    /**
     * Fails when the build said the tests run on a ublk host and there is none (a broken VM must not pass
     * as skipped tests); skips otherwise.
     */
    static void requireUblk() {
        if (Boolean.getBoolean("jublk.expect.ublk")) {
            assertTrue("no " + CONTROL + " on the ublk host (kernel " + kernelRelease() + ")", Files.exists(CONTROL));
        } else {
            assumeTrue("no ublk driver on this kernel", Files.exists(CONTROL));
        }
    }

    /** e.g. "6.12.57+deb13-amd64". */
    static String kernelRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return System.getProperty("os.version");
        }
    }

    /** Major and minor of the running kernel, as major * 1000 + minor (6.12 is 6012). */
    static int kernelVersion() {
        String[] parts = kernelRelease().split("[.-]");
        return Integer.parseInt(parts[0]) * 1000 + Integer.parseInt(parts[1]);
    }
}
