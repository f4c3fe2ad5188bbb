package io.jublk.core.control;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeFalse;

import io.jublk.core.testing.UblkKernel;
import java.io.IOException;
import org.junit.Test;

/** On a machine without ublk: what a user is told. */
public class ControlClientTest {

    @Test
    public void missingDriverIsExplained() {
        assumeFalse("this kernel has ublk", UblkKernel.present());
        try (ControlClient c = ControlClient.open()) {
            fail("opened " + ControlClient.CONTROL_DEVICE + " on a kernel without it");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("ublk driver is not loaded"));
        }
    }
}
