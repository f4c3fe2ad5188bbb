package io.jublk.target.nullblk;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.target.DiskGeometry;
import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import org.junit.Test;

public class NullTargetTest {

    @Test
    public void defaultsMatchTheReferenceServer() throws Exception {
        try (Target t = new NullTargetFactory().open(TargetOptions.empty())) {
            DiskGeometry g = t.geometry();
            assertEquals(250L << 30, g.sizeBytes());
            assertEquals(512, g.logicalBlockSize());
            assertEquals(4096, g.physicalBlockSize());
            assertTrue(g.volatileCache());
        }
    }

    @Test
    public void sizeOptionAndBadInput() throws Exception {
        NullTargetFactory f = new NullTargetFactory();
        try (Target t = f.open(new TargetOptions(Map.of("size", "1G")))) {
            assertEquals(1L << 30, t.geometry().sizeBytes());
        }
        expectError(f, Map.of("size", "12x"), "not a size");
        expectError(f, Map.of("size", "1000"), "multiple of 512");
        expectError(f, Map.of("file", "/x"), "unknown option --file");
    }

    @Test
    public void readsReturnZeroesAndEverythingCompletes() throws Exception {
        try (Target t = new NullTargetFactory().open(TargetOptions.empty()); Arena arena = Arena.ofConfined()) {
            TargetQueue q = t.openQueue(new Ctx());
            FakeRequest r = new FakeRequest(arena.allocate(8192));
            r.buffer.fill((byte) 0x5a);
            r.op = IoOperation.READ;
            r.length = 4096;
            q.submit(r);
            assertEquals(4096, r.result);
            assertEquals(0, r.buffer.get(ValueLayout.JAVA_BYTE, 4095));
            for (IoOperation op : new IoOperation[] {IoOperation.WRITE, IoOperation.FLUSH, IoOperation.DISCARD}) {
                r.op = op;
                r.result = Integer.MIN_VALUE;
                q.submit(r);
                assertEquals(4096, r.result);
            }
            q.close();
        }
    }

    @Test
    public void aReadZeroesWhatAWriteLeftInTheBuffer() throws Exception {
        try (Target t = new NullTargetFactory().open(TargetOptions.empty()); Arena arena = Arena.ofConfined()) {
            TargetQueue q = t.openQueue(new Ctx());
            FakeRequest r = new FakeRequest(arena.allocate(64 << 10));
            r.op = IoOperation.READ;
            r.length = 4096;
            q.submit(r); // the first read of a tag zeroes: the buffer's past is unknown
            // a 16k write: the kernel copied its data into the tag's buffer
            r.buffer.asSlice(0, 16384).fill((byte) 0x5a);
            r.op = IoOperation.WRITE;
            r.length = 16384;
            q.submit(r);
            r.op = IoOperation.READ;
            r.length = 8192;
            q.submit(r);
            assertEquals(0, r.buffer.get(ValueLayout.JAVA_BYTE, 8191));
            assertEquals("every written byte is zeroed, also past this read", 0, r.buffer.get(ValueLayout.JAVA_BYTE, 16383));
            // nothing dirtied the buffer since: a read leaves it alone (the byte below is a marker only)
            r.buffer.set(ValueLayout.JAVA_BYTE, 100, (byte) 0x77);
            q.submit(r);
            assertEquals(0x77, r.buffer.get(ValueLayout.JAVA_BYTE, 100));
            q.close();
        }
    }

    private static void expectError(NullTargetFactory f, Map<String, String> options, String text) {
        try {
            f.open(new TargetOptions(options)).close();
            fail("expected an error containing: " + text);
        } catch (TargetException e) {
            assertTrue(e.getMessage(), e.getMessage().contains(text));
        }
    }

    private static final class Ctx implements QueueContext {
        public int deviceId() { return 0; }
        public int queueId() { return 0; }
        public int queueDepth() { return 1; }
        public int maxIoBytes() { return 512 << 10; }
        public long userData(long cookie) { return cookie; }
    }

    private static final class FakeRequest implements IoRequest {
        final MemorySegment buffer;
        IoOperation op;
        int length;
        int result;

        FakeRequest(MemorySegment buffer) { this.buffer = buffer; }
        public IoOperation operation() { return op; }
        public boolean forceUnitAccess() { return false; }
        public boolean noUnmap() { return false; }
        public long offset() { return 0; }
        public int length() { return length; }
        public MemorySegment buffer() { return buffer; }
        public int queueId() { return 0; }
        public int tag() { return 0; }
        public void complete(int r) { result = r; }
    }

    @Test
    public void closingTwiceClosesDevZeroOnce() throws Exception {
        Target t = new NullTargetFactory().open(TargetOptions.empty());
        t.close();
        int reused = Linux.open("/dev/null", Linux.O_RDONLY | Linux.O_CLOEXEC); // likely takes the freed number
        try {
            t.close();
            assertTrue("a second close must not close another file's descriptor", Linux.fstat(reused) != null);
        } finally {
            Linux.close(reused);
        }
    }
}
