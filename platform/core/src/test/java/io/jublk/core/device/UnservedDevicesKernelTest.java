package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.jublk.core.control.ControlClient;
import io.jublk.core.testing.UblkKernel;
import io.jublk.core.uapi.CtrlCmd;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.DeviceState;
import io.jublk.core.uapi.Feature;
import io.jublk.target.DescribedTargetFactory;
import io.jublk.target.Target;
import io.jublk.target.TargetOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Kernel ublk devices this server does not serve, found through sysfs and read with GET_DEV_INFO. */
public class UnservedDevicesKernelTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Before
    public void needsUblk() {
        UblkKernel.require();
    }

    @Test
    public void aDeviceAddedBehindTheServersBackIsListedAsUnservedAndItsOwnAreNot() throws Exception {
        System.setProperty("karaf.data", tmp.getRoot().toString());
        DeviceManager manager = new DeviceManager();
        manager.activate(null);
        manager.addTarget(new DescribedTargetFactory("ram", "in memory", List.of()) {
            @Override
            public Target open(TargetOptions options) {
                return new RamTarget(16L << 20);
            }
        });
        DeviceStatus served = manager.add(new DeviceSpec(-1, 1, 32, DeviceSpec.DEFAULT_MAX_IO_BYTES, RecoveryMode.NONE,
                "ram", TargetOptions.empty()));
        try (ControlClient control = ControlClient.open()) {
            // another server's device: added, never started
            DevInfo other = control.addDevice(DevInfo.request(CtrlCmd.ANY_DEVICE, 2, 16, 64 << 10,
                    Feature.USER_RECOVERY.mask(), 0));
            try {
                assertTrue("sysfs lists ublk char devices", Files.isDirectory(KernelDevices.SYS_CLASS));
                assertTrue(KernelDevices.ids(KernelDevices.SYS_CLASS, Path.of("/nonexistent"))
                        .containsAll(List.of(served.id(), other.devId())));
                List<DeviceStatus> unserved = manager.unserved();
                assertTrue(unserved.stream().noneMatch(d -> d.id() == served.id()));
                DeviceStatus found = unserved.stream().filter(d -> d.id() == other.devId()).findFirst().orElseThrow();
                assertFalse(found.served());
                assertEquals(DeviceState.DEAD, found.info().state());
                assertEquals(2, found.info().queues());
                assertEquals(16, found.info().queueDepth());
                assertEquals(RecoveryMode.RECOVERY, found.recovery());
                assertNull(found.target());
                assertEquals(0, found.queueThreadIds().length);
                assertTrue(manager.list().stream().allMatch(DeviceStatus::served));
            } finally {
                control.deleteDevice(other.devId());
            }
            assertTrue(manager.unserved().stream().noneMatch(d -> d.id() == other.devId()));
        } finally {
            manager.deactivate();
        }
    }
}
