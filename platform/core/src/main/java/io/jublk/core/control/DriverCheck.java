package io.jublk.core.control;

import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says once, when the core starts, that the kernel's ublk driver is missing, in the sentence every command
 * that needs it answers with ({@link ControlClient#DRIVER_MISSING}): otherwise the first sign of it would be
 * the first failing command. A warning, not an error: the server runs, and serves once the driver is loaded.
 */
@Component(immediate = true)
public final class DriverCheck {
    private static final Logger LOG = LoggerFactory.getLogger(DriverCheck.class);

    @Activate
    void activate() {
        if (!Files.exists(Path.of(ControlClient.CONTROL_DEVICE))) {
            LOG.warn("{}; no ublk device can be added or recovered until it is", ControlClient.DRIVER_MISSING);
        }
    }
}
