package io.jublk.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.inject.Inject;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.Before;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerSuite;

/**
 * What every container test shares: jublk's own Karaf (one boot for the whole suite: PerSuite), the admin
 * console, a ublk host (fails, not skips, when the build said there is one), and the checks that a refused
 * command left nothing behind. The annotations are inherited; Pax Exam injects the superclass's fields too.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerSuite.class)
public abstract class ContainerTestBase {
    @Inject
    private SessionFactory sessions;

    protected Console console;

    @Configuration
    public Option[] config() {
        return KarafOptions.jublkKaraf();
    }

    @Before
    public void openConsole() {
        if (needsUblk()) {
            UblkHost.requireUblk();
        }
        console = new Console(sessions);
    }

    /** Whether every test of the class needs the kernel's ublk driver (PlatformIT asks per test). */
    protected boolean needsUblk() {
        return true;
    }

    /** The command fails with one line saying {@code expected}, and leaves no disk and no device record. */
    protected void assertRefused(String command, String expected) throws Exception {
        List<Path> disks = disks();
        List<Path> records = records();
        String error = console.error(command);
        assertTrue("'" + command + "': '" + error + "' should say '" + expected + "'", error.contains(expected));
        assertFalse("one line: " + error, error.contains("\n"));
        assertEquals("no new disk after '" + command + "'", disks, disks());
        assertEquals("no device record after '" + command + "'", records, records());
    }

    /** Waits until device {@code id} is LIVE and served by a target (after a bundle update or core restart). */
    protected void awaitServing(int id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String list = "";
        while (System.nanoTime() < deadline) {
            try {
                list = console.run("ublk:list -n " + id);
                if (list.contains("\"service\":\"serving\"") && list.contains(" state LIVE")) {
                    return;
                }
            } catch (Exception e) {
                list = e.toString(); // the commands are away while the core restarts
            }
            Thread.sleep(200);
        }
        throw new AssertionError("device " + id + " not served again: " + list);
    }

    /** The /dev/ublkbN block devices there are now. */
    protected static List<Path> disks() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/dev"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("ublkb")).sorted().toList();
        }
    }

    /** The device records the container keeps (data/jublk/devices). */
    protected static List<Path> records() throws Exception {
        Path records = Path.of(System.getProperty("karaf.data"), "jublk", "devices");
        if (!Files.isDirectory(records)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(records)) {
            return s.sorted().toList();
        }
    }
}
