package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.Test;

/** etc/io.jublk.core.cfg: each key, as Karaf's file install gives them (strings), and bad files. */
public class CoreConfigTest {

    @Test
    public void anEmptyConfigurationIsTheDefaults() {
        assertEquals(CoreConfig.DEFAULT, CoreConfig.of(Map.of()));
        assertEquals(CoreConfig.DEFAULT, CoreConfig.of(Map.of("service.pid", "io.jublk.core",
                "felix.fileinstall.filename", "file:/opt/jublk/etc/io.jublk.core.cfg")));
    }

    @Test
    public void everyKeyFromAFile() {
        CoreConfig c = CoreConfig.of(Map.of("recovery", "fail-io", "queues", "4", "depth", " 64 ",
                "drainLimitSeconds", "3", "targetTimeoutSeconds", "20", "failAfterSeconds", "300",
                "recordFolder", "/var/lib/jublk/devices", "metricsPort", "9105", "metrics", "false",
                "ioCommands", "batch"));
        assertEquals(new CoreConfig(RecoveryMode.FAIL_IO, 4, 64, Duration.ofSeconds(3),
                new HoldPolicy(Duration.ofSeconds(300), Duration.ofSeconds(20)), Path.of("/var/lib/jublk/devices"), 9105,
                false, IoCommands.BATCH, Duration.ofSeconds(2)), c);
        assertEquals(Duration.ofSeconds(5), CoreConfig.of(Map.of("ioTimeoutSeconds", "5")).ioTimeout());
        assertEquals(Duration.ZERO, CoreConfig.of(Map.of("ioTimeoutSeconds", "0")).ioTimeout()); // left alone
        assertEquals(IoCommands.AUTO, CoreConfig.of(Map.of("ioCommands", "auto")).ioCommands());
        assertEquals(2, CoreConfig.of(Map.of("queues", 2)).queues()); // typed values too
        assertEquals(RecoveryMode.NONE, CoreConfig.of(Map.of("recovery", "none")).recovery());
        assertEquals(false, CoreConfig.of(Map.of("metrics", Boolean.FALSE)).metrics());
        assertEquals(true, CoreConfig.of(Map.of("metrics", " true ")).metrics());
    }

    @Test
    public void badFilesAreOneLineNamingTheKey() {
        Object[][] cases = {
            {Map.of("queues", "two"), "queues must be an integer"},
            {Map.of("queues", "0"), "queues must be 1..4096, not 0"},
            {Map.of("depth", "5000"), "depth must be 1..4096"},
            {Map.of("ioCommands", "fast"), "ioCommands must be per-tag, batch or auto, not 'fast'"},
            {Map.of("depth", 1.5), "depth must be an integer"},
            {Map.of("drainLimitSeconds", "0"), "drainLimitSeconds must be 1..3600"},
            {Map.of("targetTimeoutSeconds", "-1"), "targetTimeoutSeconds must be 1.."},
            {Map.of("recovery", "always"), "recovery must be none, recovery, reissue or fail-io, not 'always'"},
            {Map.of("recovery", 1), "recovery must be a word"},
            {Map.of("recordFolder", "data/devices"), "recordFolder must be an absolute path"},
            {Map.of("queue", "2"), "unknown key(s) [queue]"},
            {Map.of("metricsPort", "70000"), "metricsPort must be 0..65535"},
            {Map.of("metrics", "yes"), "metrics must be true or false, not 'yes'"},
            {Map.of("metrics", 1), "metrics must be true or false"},
            {Map.of("queues", ""), "queues must be an integer"},
            {Map.of("recordFolder", ""), "recordFolder must be a word"},
            {Map.of("ioTimeoutSeconds", "31"), "ioTimeoutSeconds must be 0..30, not 31"},
            {Map.of("ioTimeoutSeconds", "-1"), "ioTimeoutSeconds must be 0..30"},
            {Map.of("ioTimeoutSeconds", "2s"), "ioTimeoutSeconds must be an integer"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Map<String, Object> properties = (Map<String, Object>) c[0];
            try {
                CoreConfig.of(properties);
                fail("accepted: " + properties);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains((String) c[1]));
                assertTrue("one line: " + e.getMessage(), !e.getMessage().contains("\n"));
            }
        }
    }

    /** A bad file changes nothing: the settings in force stay, whole (none of its good keys is taken). */
    @Test
    public void aBadChangeKeepsWhatIsInForce() {
        CoreConfig inForce = CoreConfig.of(Map.of("queues", "4"));
        assertSame(inForce, DeviceManager.configured(Map.of("queues", "8", "depth", "zero"), inForce));
        assertEquals(8, DeviceManager.configured(Map.of("queues", "8"), inForce).queues());
    }
}
