package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;

import io.jublk.core.control.ControlClient;
import io.jublk.core.testing.UblkKernel;
import io.jublk.core.uapi.Feature;
import io.jublk.target.Target;
import io.jublk.target.TargetOptions;
import io.jublk.target.nullblk.NullTargetFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Before;
import org.junit.Test;

/**
 * UBLK_F_BATCH_IO on a real ublk kernel (the test VM): where the kernel has it (7.0+), devices in batch mode
 * move the right bytes in every data transfer and serve fio without error on two queues; where it does not
 * (6.12), AUTO serves with per-tag commands and BATCH is refused in one line, leaving no device behind.
 * The flags are read back from the kernel (GET_DEV_INFO).
 */
public class BatchIoKernelTest {
    private static final long SIZE = 64L << 20;
    private static final Path FIO = Path.of("/usr/bin/fio");
    private long kernel;

    @Before
    public void needsUblk() throws Exception {
        UblkKernel.require();
        try (ControlClient control = ControlClient.open()) {
            kernel = control.features();
        }
    }

    @Test
    public void everyDataTransferMovesTheRightBytesWithBatchCommands() throws Exception {
        assumeTrue("kernel without BATCH_IO", Feature.BATCH_IO.in(kernel));
        List<DataTransfer> transfers = new ArrayList<>(List.of(DataTransfer.COPY, DataTransfer.AUTO));
        if (Feature.USER_COPY.in(kernel)) {
            transfers.add(DataTransfer.USER_COPY);
        }
        for (DataTransfer transfer : transfers) {
            // SplitTarget takes registered buffers: AUTO is zero copy (AUTO_BUF_REG) where the kernel has it
            SplitTarget target = new SplitTarget(SIZE);
            try (ControlClient control = ControlClient.open()) {
                UblkDevice device = UblkDevice.create(control, spec(transfer, IoCommands.BATCH), target);
                try {
                    long flags = control.deviceInfo(device.id()).flags();
                    System.out.println("kernel " + System.getProperty("os.version") + ", BATCH_IO " + transfer
                            + ": flags 0x" + Long.toHexString(flags) + " " + Feature.decode(flags));
                    assertTrue(Long.toHexString(flags), Feature.BATCH_IO.in(flags));
                    DataTransferKernelTest.writeReadCompare(device.id(), target.disk);
                    fio(device.id(), List.of("--name=verify", "--rw=randwrite", "--bs=4k", "--size=8M",
                            "--iodepth=64", "--verify=crc32c", "--verify_fatal=1", "--do_verify=1",
                            "--verify_state_save=0"));
                } finally {
                    device.delete(control);
                }
            } finally {
                target.close();
            }
        }
    }

    @Test
    public void aNullDeviceServesFioAtQueueDepth64OnTwoQueuesWithBatchCommands() throws Exception {
        assumeTrue("kernel without BATCH_IO", Feature.BATCH_IO.in(kernel));
        Target target = new NullTargetFactory().open(TargetOptions.empty());
        try (ControlClient control = ControlClient.open()) {
            DeviceSpec spec = new DeviceSpec(-1, 2, 128, DeviceSpec.DEFAULT_MAX_IO_BYTES, RecoveryMode.NONE, "null",
                    TargetOptions.empty()).withCommands(IoCommands.BATCH);
            UblkDevice device = UblkDevice.create(control, spec, target);
            try {
                assertTrue(Feature.BATCH_IO.in(control.deviceInfo(device.id()).flags()));
                for (String rw : new String[] {"randread", "randwrite"}) {
                    String out = fio(device.id(), List.of("--name=" + rw, "--rw=" + rw, "--bs=4k", "--iodepth=64",
                            "--numjobs=2", "--time_based", "--runtime=10", "--group_reporting"));
                    System.out.println("kernel " + System.getProperty("os.version") + ", null BATCH_IO " + rw
                            + " QD64 x2: " + out.lines().filter(l -> l.contains("IOPS=")).findFirst().orElse(""));
                }
            } finally {
                device.delete(control);
            }
        } finally {
            target.close();
        }
    }

    @Test
    public void withoutBatchIoAutoServesPerTagAndBatchIsRefused() throws Exception {
        assumeTrue("kernel with BATCH_IO", !Feature.BATCH_IO.in(kernel));
        RamTarget target = new RamTarget(SIZE);
        try (ControlClient control = ControlClient.open()) {
            UblkDevice device = UblkDevice.create(control, spec(DataTransfer.COPY, IoCommands.AUTO), target);
            try {
                assertFalse(Feature.BATCH_IO.in(control.deviceInfo(device.id()).flags()));
                DataTransferKernelTest.writeReadCompare(device.id(), target.disk);
            } finally {
                device.delete(control);
            }
            List<Path> before = disks();
            try {
                UblkDevice.create(control, spec(DataTransfer.COPY, IoCommands.BATCH), target).delete(control);
                fail("BATCH on a kernel without BATCH_IO");
            } catch (IOException e) {
                assertEquals("this kernel's ublk driver lacks BATCH_IO (Linux 7.0+)", e.getMessage());
            }
            assertEquals("no device left", before, disks());
        } finally {
            target.close();
        }
    }

    private static DeviceSpec spec(DataTransfer transfer, IoCommands commands) {
        return new DeviceSpec(-1, 2, 64, DeviceSpec.DEFAULT_MAX_IO_BYTES, RecoveryMode.NONE, "ram",
                TargetOptions.empty(), transfer).withCommands(commands);
    }

    private static List<Path> disks() throws IOException {
        try (var s = Files.list(Path.of("/dev"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("ublkb")).sorted().toList();
        }
    }

    private static String fio(int id, List<String> job) throws Exception {
        assumeTrue("fio not installed", Files.isExecutable(FIO));
        List<String> cmd = new ArrayList<>(List.of(FIO.toString(), "--ioengine=io_uring", "--direct=1",
                "--filename=" + UblkDevice.blockDevice(id)));
        cmd.addAll(job);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue("fio finished", p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(out, 0, p.exitValue());
        assertTrue(out, out.contains("err= 0"));
        return out;
    }
}
