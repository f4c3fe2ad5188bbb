package io.jublk.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jublk.core.control.ControlClient;
import io.jublk.core.uapi.CtrlCmd;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/** ublk:add / list / del at the console, on the ublk host's kernel, with the null target. */
public class DeviceConsoleIT extends ContainerTestBase {
    private static final Pattern DEV_LINE = Pattern.compile(
            "dev id (\\d+): nr_hw_queues (\\d+) queue_depth (\\d+) block size (\\d+) dev_capacity (\\d+)");
    private static final Pattern QUEUE_LINE = Pattern.compile("queue (\\d+): tid (\\d+) affinity\\(([0-9 ]*)\\)");

    @Test
    public void addListReadDeleteANullDevice() throws Exception {
        assertTrue(console.run("ublk:targets"), console.run("ublk:targets").contains("null:"));
        String added = console.run("ublk:add null --size 1G -q 2 -d 64");
        Matcher m = Pattern.compile("dev id (\\d+): /dev/ublkb\\d+ LIVE").matcher(added);
        assertTrue(added, m.find());
        int id = Integer.parseInt(m.group(1));
        Path disk = Path.of("/dev/ublkb" + id);
        try {
            assertTrue(Files.exists(disk));
            Path record = Path.of(System.getProperty("karaf.data"), "jublk", "devices", id + ".json");
            assertTrue("device record written", Files.isRegularFile(record));

            String list = console.run("ublk:list -n " + id);
            // fields by position, as scripts written for the reference server read them
            String[] lines = list.split("\n");
            Matcher dev = DEV_LINE.matcher(lines[0]);
            assertTrue(list, dev.matches());
            assertEquals("2", dev.group(2));
            assertEquals("64", dev.group(3));
            assertEquals("512", dev.group(4));
            assertEquals(String.valueOf(1L << 30), dev.group(5));
            String[] second = lines[1].trim().split(" ");
            assertEquals("max", second[0]);
            assertEquals(String.valueOf(ProcessHandle.current().pid()), second[6]);
            assertEquals("LIVE", second[8]);
            assertTrue(list, lines[2].trim().startsWith("flags 0x"));
            assertTrue(list, lines[3].trim().startsWith("ublkc: "));
            // "queue Q: tid T affinity(C ...)": T a thread of this container, the CPUs the kernel's (2 vCPUs, 2 queues)
            for (int q = 0; q < 2; q++) {
                Matcher queue = QUEUE_LINE.matcher(lines[4 + q].trim());
                assertTrue(list, queue.matches());
                assertEquals(String.valueOf(q), queue.group(1));
                assertTrue("tid " + queue.group(2) + " is a thread of this JVM",
                        Files.isDirectory(Path.of("/proc/self/task", queue.group(2))));
                assertTrue(list, queue.group(3).matches("(\\d+ )+"));
            }
            assertTrue(list, lines[6].trim().startsWith("target {\"name\":\"null\""));

            byte[] block = new byte[4096];
            try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
                f.seek(512L << 20);
                f.readFully(block);
            }
            assertArrayEquals(new byte[4096], block);
        } finally {
            console.run("ublk:del -n " + id);
        }
        assertFalse(Files.exists(disk));
        assertTrue(console.error("ublk:list -n " + id).contains("no device " + id));
    }

    @Test
    public void badInputGivesOneLineAndLeavesNoDevice() throws Exception {
        List<Path> before = disks();
        assertTrue(console.error("ublk:add nope").contains("unknown target type 'nope'"));
        assertTrue(console.error("ublk:add null -q 0").contains("-q must be 1..4096"));
        assertTrue(console.error("ublk:add null -d 5000").contains("-d must be 1..4096"));
        assertTrue(console.error("ublk:add null --size 12x").contains("not a size"));
        assertTrue(console.error("ublk:del -n 4242").contains("no device 4242"));
        assertEquals(before, disks());
    }

    @Test
    public void anIdInUseIsRefused() throws Exception {
        String added = console.run("ublk:add null -n 7");
        assertTrue(added, added.startsWith("dev id 7:"));
        try {
            List<Path> before = disks();
            String error = console.error("ublk:add null -n 7");
            assertTrue(error, error.contains("exists"));
            assertEquals(before, disks());
        } finally {
            console.run("ublk:del -n 7");
        }
    }

    @Test
    public void listJsonAndADeviceThisServerDoesNotServe() throws Exception {
        String added = console.run("ublk:add null -q 2 -d 32 --recovery none");
        Matcher m = Pattern.compile("dev id (\\d+): /dev/ublkb\\d+ LIVE").matcher(added);
        assertTrue(added, m.find());
        int id = Integer.parseInt(m.group(1));
        try {
            String json = console.run("ublk:list -n " + id + " --json");
            String[] lines = json.split("\n");
            assertEquals(json, 3, lines.length);
            assertEquals("[", lines[0]);
            assertEquals("]", lines[2]);
            String d = lines[1];
            assertTrue(d, d.startsWith("{\"id\":" + id + ",\"served\":true,\"state\":\"LIVE\",\"queues\":2,\"depth\":32,"));
            assertTrue(d, d.contains(",\"blockSize\":512,\"capacity\":" + (250L << 30) + ","));
            assertTrue(d, d.contains(",\"recovery\":\"none\","));
            assertTrue(d, d.contains(",\"daemonPid\":" + ProcessHandle.current().pid() + ","));
            assertTrue(d, d.contains(",\"targetType\":\"null\",\"target\":{"));
            assertTrue(d, d.endsWith("}"));
            // the flags as the kernel reports them, in hex and by name
            Matcher flags = Pattern.compile("\"flags\":\"0x([0-9a-f]+)\",\"flagNames\":\\[([^\\]]*)]").matcher(d);
            assertTrue(d, flags.find());
            long kernelFlags = Long.parseLong(flags.group(1), 16);
            assertEquals(String.join(",", Feature.decode(kernelFlags).stream().map(f -> "\"" + f.name() + "\"").toList()),
                    flags.group(2));
            assertFalse("--recovery none: no recovery flag " + d, Feature.USER_RECOVERY.in(kernelFlags));
            // each queue's thread is a thread of this JVM
            Matcher tids = Pattern.compile("\"queueThreadIds\":\\[(\\d+),(\\d+)]").matcher(d);
            assertTrue(d, tids.find());
            for (int q = 1; q <= 2; q++) {
                assertTrue("queue thread " + tids.group(q), Files.isDirectory(Path.of("/proc/self/task", tids.group(q))));
            }

            // A kernel device this server does not serve: added through the control device, never started.
            try (ControlClient control = ControlClient.open()) {
                DevInfo other = control.addDevice(DevInfo.request(CtrlCmd.ANY_DEVICE, 1, 16, 64 << 10,
                        Feature.USER_RECOVERY.mask(), 0));
                int otherId = other.devId();
                try {
                    String list = console.run("ublk:list");
                    assertTrue(list, list.contains("dev id " + id + ": nr_hw_queues 2 queue_depth 32"));
                    assertTrue(list, list.contains("dev id " + otherId + ": nr_hw_queues 1 queue_depth 16"));
                    String[] otherLines = console.run("ublk:list -n " + otherId).split("\n");
                    assertEquals(String.join("\n", otherLines), 5, otherLines.length);
                    assertTrue(otherLines[1], otherLines[1].trim().endsWith("state DEAD"));
                    assertEquals("served: no (not by this jublk server)", otherLines[4].trim());
                    String otherJson = console.run("ublk:list --json -n " + otherId);
                    assertTrue(otherJson, otherJson.contains("{\"id\":" + otherId + ",\"served\":false,\"state\":\"DEAD\","
                            + "\"queues\":1,\"depth\":16,\"maxIoBytes\":"));
                    assertTrue(otherJson, otherJson.contains(",\"recovery\":\"recovery\","));
                    assertTrue(otherJson, otherJson.contains(",\"queueThreadIds\":[],\"targetType\":null,\"target\":null}"));
                    assertTrue(console.error("ublk:del -n " + otherId).contains("no device " + otherId));
                } finally {
                    control.deleteDevice(otherId);
                }
                assertFalse(console.run("ublk:list").contains("served: no"));
            }
        } finally {
            console.run("ublk:del -n " + id);
        }
    }

    /** How the data moves, as the kernel accepted it (the list's flags): zero copy for loop where the kernel has it. */
    @Test
    public void dataTransferAtTheConsole() throws Exception {
        Path file = Path.of(System.getProperty("karaf.data"), "it-loop.img");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        boolean autoBufReg = UblkHost.kernelVersion() >= 6016;
        int id = Console.deviceId(console.run("ublk:add loop -f " + file));
        try {
            String flags = console.run("ublk:list -n " + id).split("\n")[2];
            assertEquals(flags, autoBufReg, flags.contains(" AUTO_BUF_REG "));
            byte[] pattern = new byte[4096];
            new java.util.Random(id).nextBytes(pattern);
            try (RandomAccessFile disk = new RandomAccessFile("/dev/ublkb" + id, "rw")) {
                disk.seek(1 << 20);
                disk.write(pattern);
                disk.getFD().sync();
            }
            byte[] stored = new byte[4096];
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                f.seek(1 << 20);
                f.readFully(stored);
            }
            assertArrayEquals("the backing file holds what was written", pattern, stored);
        } finally {
            console.run("ublk:del -n " + id);
            Files.deleteIfExists(file);
        }

        id = Console.deviceId(console.run("ublk:add null --size 64M --user-copy"));
        try {
            String flags = console.run("ublk:list -n " + id).split("\n")[2];
            assertTrue(flags, flags.contains(" USER_COPY "));
            assertFalse(flags, flags.contains(" AUTO_BUF_REG "));
            byte[] block = new byte[4096];
            try (RandomAccessFile f = new RandomAccessFile("/dev/ublkb" + id, "r")) {
                f.seek(8L << 20);
                f.readFully(block);
            }
            assertArrayEquals(new byte[4096], block);
        } finally {
            console.run("ublk:del -n " + id);
        }
        assertTrue(console.error("ublk:add null --user-copy --no-zero-copy").contains("exclude each other"));
    }
}
