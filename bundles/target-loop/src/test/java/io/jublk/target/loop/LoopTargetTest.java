package io.jublk.target.loop;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.target.DiskGeometry;
import io.jublk.target.IoOperation;
import io.jublk.target.TargetException;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.testkit.RingHarness;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The loop target on a temp file, driven through a real io_uring (no ublk needed). */
public class LoopTargetTest {
    private static final long SIZE = 4L << 20;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private RingHarness harness;
    private Path file;

    @Before
    public void setUp() throws IOException {
        harness = new RingHarness();
        file = tmp.newFile("backing.img").toPath();
        resize(file, SIZE);
    }

    @After
    public void tearDown() {
        harness.close();
    }

    @Test
    public void geometryOfAFile() throws Exception {
        try (LoopTarget t = open(Map.of("file", file.toString()))) {
            DiskGeometry g = t.geometry();
            assertEquals(SIZE, g.sizeBytes());
            assertEquals(512, g.logicalBlockSize());
            assertEquals(4096, g.physicalBlockSize());
            assertFalse(g.readOnly());
            assertFalse(g.rotational());
            assertTrue(g.volatileCache());
            assertTrue(g.fua());
            assertTrue("ext4/tmpfs punch holes: discard advertised", g.supportsDiscard());
            assertTrue("O_DIRECT works on this file system", t.direct());
            assertEquals(t.describe().toString(), true, t.describe().get("directIo"));
            assertEquals(file.toString(), t.describe().get("file"));
        }
        try (LoopTarget t = open(Map.of("file", file.toString(), "buffered-io", "true"))) {
            assertFalse(t.direct());
            assertEquals(false, t.describe().get("directIo"));
        }
        resize(file, SIZE + 1000); // not a multiple of the block: rounded down
        try (LoopTarget t = open(Map.of("file", file.toString()))) {
            assertEquals(SIZE + 512, t.geometry().sizeBytes());
        }
    }

    @Test
    public void writeThenReadBackDirectAndBuffered() throws Exception {
        for (String buffered : new String[] {"false", "true"}) {
            try (LoopTarget t = open(Map.of("file", file.toString(), "buffered-io", buffered))) {
                TargetQueue q = t.openQueue(harness);
                byte[] data = random(128 << 10, buffered.hashCode());
                long at = 64 << 10;
                var w = harness.request(0, IoOperation.WRITE, at, data.length);
                put(w.buffer, data);
                w.fua = true;
                assertEquals(data.length, harness.run(q, w));
                assertArrayEquals("the file holds what was written", data, fileBytes(file, at, data.length));

                var r = harness.request(1, IoOperation.READ, at, data.length);
                r.buffer.fill((byte) 0x77);
                assertEquals(data.length, harness.run(q, r));
                assertArrayEquals(data, get(r.buffer, data.length));
                assertEquals("nothing past the request is touched", 0x77,
                        r.buffer.get(ValueLayout.JAVA_BYTE, data.length));

                assertEquals(0, harness.run(q, harness.request(2, IoOperation.FLUSH, 0, 0)));
                q.close();
            }
        }
    }

    @Test
    public void manyRequestsInFlightAtOnce() throws Exception {
        try (LoopTarget t = open(Map.of("file", file.toString()))) {
            TargetQueue q = t.openQueue(harness);
            byte[][] data = new byte[RingHarness.DEPTH][];
            RingHarness.Request[] rs = new RingHarness.Request[RingHarness.DEPTH];
            for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
                data[tag] = random(32 << 10, tag);
                rs[tag] = harness.request(tag, IoOperation.WRITE, (long) tag * (32 << 10), 32 << 10);
                put(rs[tag].buffer, data[tag]);
                rs[tag].completed = false;
                q.submit(rs[tag]);
            }
            harness.awaitAll(q, rs);
            for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
                assertEquals(32 << 10, rs[tag].result);
                rs[tag] = harness.request(tag, IoOperation.READ, (long) tag * (32 << 10), 32 << 10);
                rs[tag].completed = false;
                q.submit(rs[tag]);
            }
            harness.awaitAll(q, rs);
            for (int tag = 0; tag < RingHarness.DEPTH; tag++) {
                assertEquals(32 << 10, rs[tag].result);
                assertArrayEquals(data[tag], get(rs[tag].buffer, 32 << 10));
            }
        }
    }

    @Test
    public void offsetShiftsTheDiskInTheFile() throws Exception {
        try (LoopTarget t = open(Map.of("file", file.toString(), "offset", "1M"))) {
            assertEquals(SIZE - (1 << 20), t.geometry().sizeBytes());
            assertEquals(1048576L, t.describe().get("offset"));
            TargetQueue q = t.openQueue(harness);
            byte[] data = random(4096, 7);
            var w = harness.request(0, IoOperation.WRITE, 0, data.length);
            put(w.buffer, data);
            assertEquals(4096, harness.run(q, w));
            assertArrayEquals(data, fileBytes(file, 1 << 20, 4096));
            assertArrayEquals(new byte[4096], fileBytes(file, 0, 4096));
        }
    }

    @Test
    public void discardPunchesHolesAndReadsZeroes() throws Exception {
        try (LoopTarget t = open(Map.of("file", file.toString()))) {
            TargetQueue q = t.openQueue(harness);
            int len = 256 << 10;
            var w = harness.request(0, IoOperation.WRITE, 0, len);
            put(w.buffer, random(len, 3));
            assertEquals(len, harness.run(q, w));
            assertEquals(0, harness.run(q, harness.request(1, IoOperation.FLUSH, 0, 0)));
            long before = blocks(file);
            assertTrue("the write allocated blocks: " + before, before * 512 >= len);

            assertEquals(len, harness.run(q, harness.request(2, IoOperation.DISCARD, 0, len)));
            long after = blocks(file);
            assertTrue("blocks freed: " + before + " -> " + after, after * 512 <= before * 512 - len);
            assertEquals(SIZE, Files.size(file));
            var r = harness.request(3, IoOperation.READ, 0, len);
            r.buffer.fill((byte) 1);
            assertEquals(len, harness.run(q, r));
            assertArrayEquals(new byte[len], get(r.buffer, len));
        }
    }

    @Test
    public void writeZeroesWithAndWithoutUnmap() throws Exception {
        try (LoopTarget t = open(Map.of("file", file.toString()))) {
            TargetQueue q = t.openQueue(harness);
            int len = 128 << 10;
            var w = harness.request(0, IoOperation.WRITE, 0, 2 * len);
            put(w.buffer, random(2 * len, 5));
            assertEquals(2 * len, harness.run(q, w));
            assertEquals(0, harness.run(q, harness.request(1, IoOperation.FLUSH, 0, 0)));
            long allocated = blocks(file);

            var keep = harness.request(2, IoOperation.WRITE_ZEROES, 0, len);
            keep.noUnmap = true;
            assertEquals(len, harness.run(q, keep));
            if (zeroRangeWorks(file)) {
                assertEquals("NOUNMAP keeps the blocks (ZERO_RANGE)", allocated, blocks(file));
            } // else (tmpfs) the documented fallback punched a hole
            assertArrayEquals(new byte[len], fileBytes(file, 0, len));

            var unmap = harness.request(3, IoOperation.WRITE_ZEROES, len, len);
            assertEquals(len, harness.run(q, unmap));
            assertTrue("without NOUNMAP the range is punched", blocks(file) * 512 <= allocated * 512 - len);
            var r = harness.request(4, IoOperation.READ, 0, 2 * len);
            r.buffer.fill((byte) 1);
            assertEquals(2 * len, harness.run(q, r));
            assertArrayEquals(new byte[2 * len], get(r.buffer, 2 * len));
        }
    }

    @Test
    public void readOnlyRefusesWrites() throws Exception {
        byte[] data = random(4096, 9);
        Files.write(file, data);
        resize(file, SIZE);
        try (LoopTarget t = open(Map.of("file", file.toString(), "read-only", "true"))) {
            assertTrue(t.geometry().readOnly());
            assertFalse(t.geometry().supportsDiscard());
            assertFalse(t.geometry().volatileCache());
            TargetQueue q = t.openQueue(harness);
            for (IoOperation op : new IoOperation[] {IoOperation.WRITE, IoOperation.DISCARD, IoOperation.WRITE_ZEROES}) {
                assertEquals(op.name(), -30, harness.run(q, harness.request(0, op, 0, 4096)));
            }
            assertEquals(0, harness.run(q, harness.request(0, IoOperation.FLUSH, 0, 0)));
            var r = harness.request(1, IoOperation.READ, 0, 4096);
            assertEquals(4096, harness.run(q, r));
            assertArrayEquals(data, get(r.buffer, 4096));
        }
        assertArrayEquals(data, fileBytes(file, 0, 4096));
    }

    @Test
    public void readPastTheEndOfAShrunkFileReturnsZeroes() throws Exception {
        for (String buffered : new String[] {"false", "true"}) {
            resize(file, SIZE);
            try (LoopTarget t = open(Map.of("file", file.toString(), "buffered-io", buffered))) {
                TargetQueue q = t.openQueue(harness);
                byte[] data = random(16384, 11);
                var w = harness.request(0, IoOperation.WRITE, 0, data.length);
                put(w.buffer, data);
                assertEquals(data.length, harness.run(q, w));
                resize(file, 4096 + 100); // shrinks behind the target's back, not on a block boundary
                var r = harness.request(1, IoOperation.READ, 0, data.length);
                r.buffer.fill((byte) 0x55);
                assertEquals(buffered, data.length, harness.run(q, r));
                byte[] got = get(r.buffer, data.length);
                for (int i = 0; i < 4096 + 100; i++) {
                    assertEquals(buffered + " byte " + i, data[i], got[i]);
                }
                for (int i = 8192; i < data.length; i++) {
                    assertEquals(buffered + " byte " + i + " past the end", 0, got[i]);
                }
                // whole request beyond the end: all zeroes
                var far = harness.request(2, IoOperation.READ, 1 << 20, 4096);
                far.buffer.fill((byte) 0x55);
                assertEquals(4096, harness.run(q, far));
                assertArrayEquals(new byte[4096], get(far.buffer, 4096));
            }
        }
    }

    @Test
    public void badInputsGiveClearMessages() throws Exception {
        expectError(Map.of("file", tmp.getRoot() + "/missing.img"), "does not exist");
        expectError(Map.of("file", tmp.getRoot().toString()), "is a directory");
        expectError(Map.of("file", "/dev/null"), "is a character device, not a regular file or block device");
        Path empty = tmp.newFile("empty.img").toPath();
        expectError(Map.of("file", empty.toString()), "is not inside");
        Path tiny = tmp.newFile("tiny.img").toPath();
        resize(tiny, 100);
        expectError(Map.of("file", tiny.toString()), "too small");
        expectError(Map.of("file", file.toString(), "offset", "4M"), "--offset 4194304 is not inside");
        expectError(Map.of("file", file.toString(), "offset", "8G"), "is not inside");
        expectError(Map.of("file", file.toString(), "offset", "100"), "multiple of the logical block size 512");
        expectError(Map.of("file", file.toString(), "offset", "x"), "not a size");
        expectError(Map.of(), "option --file is required");
        expectError(Map.of("file", file.toString(), "size", "1G"), "unknown option --size");
        Path small = tmp.newFile("small.img").toPath();
        resize(small, 4096 + 256);
        expectError(Map.of("file", small.toString(), "offset", "4096"), "too small");
    }

    @Test
    public void factoryDescribesItsOptions() {
        LoopTargetFactory f = new LoopTargetFactory();
        assertEquals("loop", f.type());
        assertNotNull(f.description());
        assertEquals("f", f.options().get(0).shortName());
        assertTrue(f.options().get(0).required());
        assertTrue(f.options().stream().anyMatch(o -> o.name().equals("buffered-io") && o.isFlag()));
        assertTrue(f.options().stream().anyMatch(o -> o.name().equals("read-only") && o.isFlag()));
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static LoopTarget open(Map<String, String> options) throws TargetException {
        return (LoopTarget) new LoopTargetFactory().open(new TargetOptions(new HashMap<>(options)));
    }

    private static void expectError(Map<String, String> options, String text) {
        try {
            open(options).close();
            fail("expected an error containing: " + text);
        } catch (TargetException e) {
            assertTrue("'" + e.getMessage() + "' should contain '" + text + "'", e.getMessage().contains(text));
            assertFalse("one line: " + e.getMessage(), e.getMessage().contains("\n"));
        }
    }

    static void resize(Path path, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void put(MemorySegment buffer, byte[] data) {
        MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, data.length);
    }

    static byte[] get(MemorySegment buffer, int n) {
        return buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    static byte[] fileBytes(Path path, long at, int n) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            byte[] b = new byte[n];
            f.seek(at);
            f.readFully(b);
            return b;
        }
    }

    /** Whether the file system of {@code path} has fallocate ZERO_RANGE (tmpfs has not); tried on a scratch file. */
    static boolean zeroRangeWorks(Path path) throws IOException {
        Path scratch = Files.createTempFile(path.getParent(), "zero-range", ".probe");
        int fd = Linux.open(scratch.toString(), Linux.O_RDWR | Linux.O_CLOEXEC);
        try {
            Linux.fallocate(fd, Linux.FALLOC_FL_ZERO_RANGE | Linux.FALLOC_FL_KEEP_SIZE, 0, 4096);
            return true;
        } catch (ErrnoException e) {
            return false;
        } finally {
            Linux.close(fd);
            Files.delete(scratch);
        }
    }

    /** st_blocks (512-byte units) of {@code path}, from stat(1). */
    static long blocks(Path path) throws IOException {
        Process p = new ProcessBuilder("stat", "-c", "%b", path.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        try {
            if (p.waitFor() != 0) {
                throw new IOException("stat failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return Long.parseLong(out);
    }
}
