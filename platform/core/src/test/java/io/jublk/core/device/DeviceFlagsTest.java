package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.core.uapi.Feature;
import java.io.IOException;
import org.junit.Test;

/** What a device asks the kernel for and how it is handed over, by the flags the kernel reports. */
public class DeviceFlagsTest {
    private static final long RECOVERY = Feature.USER_RECOVERY.mask() | Feature.USER_RECOVERY_REISSUE.mask();

    @Test
    public void aBatchDeviceIsNeverHandedOverWithQuiesceDev() {
        long quiesce = RECOVERY | Feature.QUIESCE.mask();
        assertTrue("per-tag with QUIESCE", DeviceFlags.quiescesOnRelease(quiesce));
        // 7.x: QUIESCE_DEV of a batch device sets force_abort for good: every later request would fail
        assertFalse("batch with QUIESCE", DeviceFlags.quiescesOnRelease(quiesce | Feature.BATCH_IO.mask()));
        assertFalse("no QUIESCE (6.12)", DeviceFlags.quiescesOnRelease(RECOVERY));
    }

    @Test
    public void batchCommandsOnlyWhereTheKernelHasThem() throws IOException {
        long batchKernel = RECOVERY | Feature.BATCH_IO.mask();
        assertEquals(0, DeviceFlags.commandFlags(IoCommands.PER_TAG, batchKernel));
        assertEquals(Feature.BATCH_IO.mask(), DeviceFlags.commandFlags(IoCommands.BATCH, batchKernel));
        assertEquals(Feature.BATCH_IO.mask(), DeviceFlags.commandFlags(IoCommands.AUTO, batchKernel));
        assertEquals(0, DeviceFlags.commandFlags(IoCommands.AUTO, RECOVERY));
        try {
            DeviceFlags.commandFlags(IoCommands.BATCH, RECOVERY);
            fail("BATCH on a kernel without it");
        } catch (IOException e) {
            assertEquals("this kernel's ublk driver lacks BATCH_IO (Linux 7.0+)", e.getMessage());
        }
    }
}
