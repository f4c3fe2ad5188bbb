package io.jublk.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.core.device.RecoveryMode;
import io.jublk.core.uapi.DeviceState;
import io.jublk.core.uapi.Feature;
import org.apache.karaf.shell.support.CommandException;
import org.junit.Test;

/** What the ublk: commands print, and their one-line errors (with a fake core, not a driver). */
public class CommandOutputTest {
    private final Console console = new Console();

    @Test
    public void listShowsServedDevicesInTheReferenceLayoutAndMarksUnservedOnes() throws Exception {
        console.ublk.served.add(FakeUblk.device(2, DeviceState.LIVE, RecoveryMode.REISSUE.flags(), "null"));
        console.ublk.unserved.add(FakeUblk.device(0, DeviceState.QUIESCED, RecoveryMode.FAIL_IO.flags(), null));
        String[] lines = console.run("ublk:list").split("\n");
        assertEquals("dev id 0: nr_hw_queues 2 queue_depth 64 block size 512 dev_capacity 1073741824", lines[0]);
        assertEquals("\tmax rq size 524288 daemon pid 4242 state QUIESCED", lines[1]);
        assertEquals("\tflags 0x208 [ USER_RECOVERY USER_RECOVERY_FAIL_IO ]", lines[2]);
        assertEquals("\tublkc: 240:0 ublkb: 259:0 owner: 0:0", lines[3]);
        assertEquals("\tserved: no (not by this jublk server)", lines[4]);
        assertEquals("dev id 2: nr_hw_queues 2 queue_depth 64 block size 512 dev_capacity 1073741824", lines[5]);
        assertEquals("\tqueue 0: tid 102 affinity()", lines[9]);
        assertEquals("\tqueue 1: tid 202 affinity()", lines[10]);
        assertTrue(lines[11], lines[11].startsWith("\ttarget {\"name\":\"null\",\"recovery\":\"reissue\",\"service\":\"serving\",\"backend\":{"));
        assertEquals(12, lines.length);
        assertEquals("one device", 7, console.run("ublk:list -n 2").split("\n").length);
        assertEquals("an unserved one", 5, console.run("ublk:list --number=0").split("\n").length);
        console.ublk.served.clear();
        console.ublk.unserved.clear();
        assertEquals("no devices: nothing", "", console.run("ublk:list"));
        assertEquals("[]\n", console.run("ublk:list --json"));
    }

    @Test
    public void noDeviceNoDriverAndBadOptionsAreOneLineErrors() {
        expect("ublk:list -n 9", "no device 9");
        expect("ublk:list -n x", "-n needs a number, not 'x'");
        expect("ublk:list --json=yes", "option --json takes no value");
        expect("ublk:list -v", "unknown option -v (ublk:list --help)");
        expect("ublk:list 3", "unexpected argument '3' (ublk:list --help)");
        expect("ublk:del", "ublk:del needs either -n ID or -a");
        expect("ublk:del -n 1 -a", "ublk:del needs either -n ID or -a");
        expect("ublk:del -n -1", "-n must be 0..1048575, not -1");
        expect("ublk:del -n 4242", "no device 4242 served here");
        expect("ublk:features now", "unexpected argument 'now' (ublk:features --help)");
        expect("ublk:add", "usage: ublk:add TYPE");
        console.ublk.noDriver = true;
        expect("ublk:list", "cannot list ublk devices: no /dev/ublk-control: the kernel's ublk driver is not loaded");
        expect("ublk:list --json", "cannot list ublk devices: no /dev/ublk-control");
        expect("ublk:features", "the kernel's ublk driver is not loaded");
    }

    @Test
    public void addDeleteAndFeatures() throws Exception {
        assertEquals("dev id 5: /dev/ublkb5 LIVE\n", console.run("ublk:add null -n 5 --size 1G"));
        assertEquals("1G", console.ublk.added.get(0).options().get("size"));
        assertEquals("the console's default", RecoveryMode.REISSUE, console.ublk.added.get(0).recovery());
        console.ublk.served.add(FakeUblk.device(5, DeviceState.LIVE, 0, "null"));
        console.ublk.served.add(FakeUblk.device(6, DeviceState.LIVE, 0, "null"));
        assertEquals("deleted dev id 5\n", console.run("ublk:del -n 5"));
        assertEquals("deleted 1 device(s)\n", console.run("ublk:del --all"));
        String features = console.run("ublk:features");
        assertTrue(features, features.startsWith("ublk_drv features: 0x1fe\n"));
        assertTrue(features, features.contains("\t" + Feature.USER_COPY.name()));
    }

    @Test
    public void addHelpListsEveryTargetsOptionsWithTheirHelp() throws Exception {
        String help = console.run("ublk:add --help");
        assertTrue(help, help.startsWith("DESCRIPTION\n        ublk:add\n"));
        assertTrue(help, help.contains("SYNTAX\n        " + AddArguments.SYNTAX));
        assertTrue(help, help.contains("--fail-after SECONDS"));
        assertTrue(help, help.contains("the target type: loop, null"));
        assertTrue(help, help.contains("-q, --queues QUEUES      hardware queues"));
        assertTrue(help, help.contains("--recovery MODE          when the server dies: none, recovery, reissue or fail-io"));
        assertTrue(help, help.contains("loop: a file or block device"));
        assertTrue(help, help.contains("-f, --file PATH          backing regular file or block device (required)"));
        assertTrue(help, help.contains("--read-only              serve a read-only disk"));
        assertTrue(help, help.contains("null: reads return zeroes"));
        assertTrue(help, help.contains("-s, --size SIZE          disk size in bytes"));
        String loop = console.run("ublk:add loop --help");
        assertTrue(loop, loop.contains("--offset BYTES"));
        assertFalse("ublk:add loop --help shows loop's options only", loop.contains("--size"));
        assertTrue("help for a wrong line still helps", console.run("ublk:add nosuch -q 0 --help").contains("--size"));
    }

    @Test
    public void otherCommandsHaveHelp() throws Exception {
        String list = console.run("ublk:list --help");
        assertTrue(list, list.contains("ublk:list [-n ID] [--json]"));
        assertTrue(list, list.contains("-n, --number ID          only this device"));
        assertTrue(list, list.contains("--json"));
        assertTrue(list, list.contains("served: no"));
        assertTrue(console.run("ublk:del --help").contains("-a, --all"));
        assertTrue(console.run("ublk:features --help").contains("--help"));
        assertTrue(console.run("ublk:targets --help").contains("ublk:targets"));
    }

    @Test
    public void targetsKeepsTheLayoutBinUblkReads() throws Exception {
        assertEquals("loop: a file or block device\n"
                + "    -f, --file PATH          backing regular file or block device (required)\n"
                + "    --offset BYTES           where the disk starts in the file\n"
                + "    --read-only              serve a read-only disk\n"
                + "null: reads return zeroes\n"
                + "    -s, --size SIZE          disk size in bytes\n", console.run("ublk:targets"));
    }

    private void expect(String line, String message) {
        try {
            String out = console.run(line);
            fail(line + " succeeded: " + out);
        } catch (CommandException e) {
            assertTrue(line + ": " + e.getMessage(), e.getMessage().contains(message));
            assertFalse("one line: " + e.getMessage(), e.getMessage().contains("\n"));
        } catch (Exception e) {
            throw new AssertionError(line + " threw " + e, e);
        }
    }
}
