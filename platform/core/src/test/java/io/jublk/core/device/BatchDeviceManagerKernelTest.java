package io.jublk.core.device;

import static org.junit.Assume.assumeTrue;

import io.jublk.core.control.ControlClient;
import io.jublk.core.testing.UblkKernel;
import io.jublk.core.uapi.Feature;
import org.junit.Before;

/**
 * Every case of {@link DeviceManagerKernelTest} (target swaps under fio --verify, a throwing and a slow
 * target replaced, two core restarts taken over with user recovery) with UBLK_F_BATCH_IO commands, on a
 * kernel that has them (7.0+; the 7.2 VM). The recovered device keeps its batch flag: the new core's queues
 * follow the flags the kernel reports.
 */
public class BatchDeviceManagerKernelTest extends DeviceManagerKernelTest {
    @Before
    public void needsBatchIo() throws Exception {
        UblkKernel.require();
        try (ControlClient control = ControlClient.open()) {
            assumeTrue("kernel without BATCH_IO", Feature.BATCH_IO.in(control.features()));
        }
    }

    @Override
    IoCommands commands() {
        return IoCommands.BATCH;
    }
}
