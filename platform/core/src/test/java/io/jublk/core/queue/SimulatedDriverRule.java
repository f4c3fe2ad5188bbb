package io.jublk.core.queue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.rules.ExternalResource;

/**
 * A test's {@link SimulatedUblkDriver} and the temporary file its target serves: made on demand, shut down
 * and deleted after the test.
 */
final class SimulatedDriverRule extends ExternalResource {
    private SimulatedUblkDriver driver;
    private Path file;

    /** A temporary file of {@code bytes} zero bytes. */
    Path backingFile(String prefix, int bytes) throws IOException {
        file = Files.createTempFile(prefix, ".img");
        Files.write(file, new byte[bytes]);
        return file;
    }

    /** A simulated driver of one queue; the arguments are those of {@link SimulatedUblkDriver}'s constructor. */
    SimulatedUblkDriver driver(int depth, long deviceSectors, long flags) throws IOException {
        driver = new SimulatedUblkDriver(depth, deviceSectors, flags);
        return driver;
    }

    @Override
    protected void after() {
        try {
            if (driver != null) {
                driver.shutDown();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (Exception e) {
            throw new AssertionError("shutting the simulated driver down failed", e);
        }
    }
}
