package io.jublk.uring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.uring.sys.Linux;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** Provided-buffer rings: the kernel picks a buffer for a BUFFER_SELECT read, names it, and takes it back. */
public class BufferRingTest {
    private Ring ring;
    private int fd = -1;
    private Path file;

    @Before
    public void setUp() throws Exception {
        ring = Ring.open(RingConfig.builder(8).build());
        file = Files.createTempFile("bufring", ".bin");
        byte[] data = new byte[64];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i + 1);
        }
        Files.write(file, data);
        fd = Linux.open(file.toString(), Linux.O_RDWR | Linux.O_CLOEXEC);
    }

    @After
    public void tearDown() throws Exception {
        ring.close();
        if (fd >= 0) {
            Linux.close(fd);
        }
        Files.deleteIfExists(file);
    }

    @Test
    public void readsIntoTheBuffersTheRingProvidesInOrder() throws Exception {
        BufferRing buffers = ring.registerBufferRing(3, 4);
        assertEquals(3, buffers.group());
        assertEquals(4, buffers.capacity());
        MemorySegment first = ring.allocateBuffer(16);
        MemorySegment second = ring.allocateBuffer(16);
        buffers.add(first.asSlice(0, 16), 7);
        buffers.add(second.asSlice(0, 16), 9);
        buffers.publish();

        int[] flags = new int[3];
        int[] res = new int[3];
        CompletionHandler h = (userData, r, f) -> {
            res[(int) userData] = r;
            flags[(int) userData] = f;
        };
        for (int i = 1; i <= 2; i++) {
            ring.sqe().read(fd, first, 0, 16, 16L * i).addr(0).bufferSelect(3).userData(i);
            ring.submitAndWait(1);
            while (ring.drain(h) == 0) {
                ring.submitAndWait(1);
            }
        }
        assertEquals(16, res[1]);
        assertEquals(7, BufferRing.bufferId(flags[1]));
        assertEquals(17, first.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(16, res[2]);
        assertEquals(9, BufferRing.bufferId(flags[2]));
        assertEquals(33, second.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(-1, BufferRing.bufferId(0));
        assertTrue(ring.inFlight() == 0);
    }

    @Test
    public void anEmptyRingFailsTheReadWithEnobufs() throws Exception {
        ring.registerBufferRing(0, 2);
        MemorySegment any = ring.allocateBuffer(16);
        ring.sqe().read(fd, any, 0, 16, 0).addr(0).bufferSelect(0).userData(1);
        Recorder r = new Recorder();
        r.await(ring, 1);
        assertEquals(-105, r.res(1)); // ENOBUFS
    }

    @Test(expected = IllegalArgumentException.class)
    public void aRingSizeThatIsNoPowerOfTwoIsRefused() throws Exception {
        ring.registerBufferRing(1, 3);
    }
}
