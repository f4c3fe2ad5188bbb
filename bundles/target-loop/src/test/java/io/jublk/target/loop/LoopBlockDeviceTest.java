package io.jublk.target.loop;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import io.jublk.target.IoOperation;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.testkit.RingHarness;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The loop target on a block device (a kernel loop device over a file, where this machine lets root make
 * one): DISCARD reaches the device as a discard (its discard counter moves; a PUNCH_HOLE fallocate on a
 * block device is a zero-out instead), WRITE_ZEROES leaves zeroes, with and without NOUNMAP.
 */
public class LoopBlockDeviceTest {
    private static final int SIZE = 8 << 20;
    private static final int MIB = 1 << 20;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();
    private String device;

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    }

    @Before
    public void setUp() throws Exception {
        assumeTrue("no loop devices here", Files.exists(Path.of("/dev/loop-control"))
                && Files.isExecutable(Path.of("/usr/sbin/losetup")));
        Path file = tmp.newFile("backing.img").toPath();
        byte[] data = new byte[SIZE];
        Arrays.fill(data, (byte) 0x5a);
        Files.write(file, data);
        device = run("losetup", "-f", "--show", file.toString());
        assumeTrue("losetup could not attach a loop device", device != null && device.startsWith("/dev/loop"));
    }

    @After
    public void tearDown() throws Exception {
        if (device != null) {
            run("losetup", "-d", device);
        }
    }

    /** The device's discard I/Os completed (field 12 of /sys/block/NAME/stat). */
    private long discards() throws IOException {
        String[] f = Files.readString(Path.of("/sys/block/" + Path.of(device).getFileName() + "/stat"))
                .trim().split("\\s+");
        return Long.parseLong(f[11]);
    }

    @Test
    public void discardIsADiscardAndWriteZeroesZeroes() throws Exception {
        try (RingHarness h = new RingHarness();
             LoopTarget t = (LoopTarget) new LoopTargetFactory().open(new TargetOptions(Map.of("file", device)))) {
            assumeTrue("the loop device does not discard", t.geometry().supportsDiscard());
            TargetQueue q = t.openQueue(h);
            long before = discards();
            assertEquals(MIB, h.run(q, h.request(0, IoOperation.DISCARD, MIB, MIB)));
            assertTrue("the device saw no discard", discards() > before);
            RingHarness.Request z = h.request(1, IoOperation.WRITE_ZEROES, 3 * MIB, MIB);
            z.noUnmap = true;
            assertEquals(MIB, h.run(q, z));
            z = h.request(1, IoOperation.WRITE_ZEROES, 5 * MIB, MIB);
            z.noUnmap = false;
            assertEquals(MIB, h.run(q, z));
            for (int at : new int[] {3 * MIB, 5 * MIB}) {
                RingHarness.Request r = h.request(2, IoOperation.READ, at, 64 << 10);
                assertEquals(64 << 10, h.run(q, r));
                assertArrayEquals("zeroes at " + at, new byte[64 << 10],
                        r.buffer().asSlice(0, 64 << 10).toArray(ValueLayout.JAVA_BYTE));
            }
            RingHarness.Request r = h.request(2, IoOperation.READ, 2 * MIB, 4096);
            assertEquals(4096, h.run(q, r));
            assertEquals("untouched data", 0x5a, r.buffer().get(ValueLayout.JAVA_BYTE, 0));
        }
    }
}
