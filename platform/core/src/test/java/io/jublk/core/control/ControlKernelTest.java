package io.jublk.core.control;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.core.testing.UblkKernel;
import io.jublk.core.uapi.Feature;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import java.io.IOException;
import org.junit.Before;
import org.junit.Test;

/** The control protocol against the ublk host's kernel. */
public class ControlKernelTest {

    @Before
    public void needsUblk() {
        UblkKernel.require();
    }

    @Test
    public void kernelReportsItsFeatures() throws IOException {
        try (ControlClient c = ControlClient.open()) {
            long features = c.features();
            System.out.printf("ublk features 0x%x %s%n", features, Feature.decode(features));
            // every kernel with GET_FEATURES (6.5+) has these
            assertTrue(Long.toHexString(features), Feature.CMD_IOCTL_ENCODE.in(features));
            assertTrue(Long.toHexString(features), Feature.USER_RECOVERY_REISSUE.in(features));
            assertTrue(Long.toHexString(features), Feature.USER_COPY.in(features));
        }
    }

    @Test
    public void unknownDeviceIsEnodev() throws IOException {
        try (ControlClient c = ControlClient.open()) {
            c.deviceInfo(999_999);
            throw new AssertionError("GET_DEV_INFO of a missing device succeeded");
        } catch (ErrnoException e) {
            assertEquals(Errno.ENODEV, e.error());
        }
    }
}
