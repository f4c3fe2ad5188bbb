package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.core.uapi.Feature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** The request time-out file, on a folder laid out as /sys/block (the kernel's side: DeviceManagerKernelTest). */
public class IoTimeoutTest {
    private static final long NO_QUIESCE = Feature.USER_RECOVERY.mask() | Feature.USER_RECOVERY_REISSUE.mask();
    private static final long WITH_QUIESCE = NO_QUIESCE | Feature.QUIESCE.mask();

    private Path sysBlock;
    private IoTimeout timeout;

    @Before
    public void setUp() throws Exception {
        sysBlock = Files.createTempDirectory("jublk-sys-block");
        timeout = new IoTimeout(sysBlock);
    }

    @After
    public void tearDown() throws Exception {
        try (var files = Files.walk(sysBlock)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Path device(int id, String content) throws Exception {
        Path file = sysBlock.resolve("ublkb" + id + "/queue/io_timeout");
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    @Test
    public void onAKernelWithoutQuiesceTheFileGetsTheTimeOutInMilliseconds() throws Exception {
        Path file = device(7, "30000\n");
        assertEquals(file, timeout.file(7));
        assertTrue(timeout.apply(7, Duration.ofSeconds(2), NO_QUIESCE, NO_QUIESCE));
        assertEquals("2000", Files.readString(file));
    }

    @Test
    public void withQuiesceZeroOrAnUnprivilegedDeviceTheFileIsLeftAlone() throws Exception {
        Path file = device(3, "30000\n");
        assertFalse(timeout.apply(3, Duration.ofSeconds(2), WITH_QUIESCE, NO_QUIESCE));
        assertFalse("0: the kernel's", timeout.apply(3, Duration.ZERO, NO_QUIESCE, NO_QUIESCE));
        // 6.12's ublk_timeout kills an unprivileged device's daemon at the first time-out
        assertFalse(timeout.apply(3, Duration.ofSeconds(2), NO_QUIESCE,
                NO_QUIESCE | Feature.UNPRIVILEGED_DEV.mask()));
        assertEquals("30000\n", Files.readString(file));
        assertTrue(IoTimeout.wanted(NO_QUIESCE, NO_QUIESCE));
        assertFalse(IoTimeout.wanted(WITH_QUIESCE, NO_QUIESCE | Feature.QUIESCE.mask()));
    }

    @Test
    public void aMissingDeviceIsNoNewFile() {
        assertFalse("one WARN line, no exception", timeout.apply(9, Duration.ofSeconds(2), NO_QUIESCE, NO_QUIESCE));
        assertFalse(Files.exists(timeout.file(9)));
    }

    @Test
    public void aTimeOutOutOfRangeIsRefused() throws Exception {
        device(1, "30000\n");
        for (Duration bad : new Duration[] {Duration.ofSeconds(31), Duration.ofSeconds(-1)}) {
            try {
                timeout.apply(1, bad, NO_QUIESCE, NO_QUIESCE);
                fail("accepted " + bad);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("0..30 s"));
            }
        }
        assertEquals("30000\n", Files.readString(timeout.file(1)));
    }
}
