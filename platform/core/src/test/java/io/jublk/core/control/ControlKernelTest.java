package io.jublk.core.control;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jublk.core.testing.UblkKernel;
import io.jublk.core.uapi.CtrlCmd;
import io.jublk.core.uapi.DevInfo;
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

    /** DEL_DEV_ASYNC (6.9+) removes a device without waiting; the id is gone once nothing holds it. */
    @Test
    public void asyncDeleteRemovesTheDevice() throws Exception {
        try (ControlClient c = ControlClient.open()) {
            int id = c.addDevice(DevInfo.request(CtrlCmd.ANY_DEVICE, 1, 16, 64 << 10, 0, 0)).devId();
            c.deleteDeviceAsync(id);
            for (int i = 0; i < 50 && known(c, id); i++) {
                Thread.sleep(100);
            }
            assertFalse("device " + id + " still known 5 s after DEL_DEV_ASYNC", known(c, id));
        }
    }

    private static boolean known(ControlClient c, int id) throws ErrnoException {
        try {
            c.deviceInfo(id);
            return true;
        } catch (ErrnoException e) {
            if (e.error() != Errno.ENODEV) {
                throw e;
            }
            return false;
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
