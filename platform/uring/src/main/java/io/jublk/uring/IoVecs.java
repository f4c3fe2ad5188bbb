package io.jublk.uring;

import static io.jublk.uring.internal.IoUringLayout.IOVEC_BASE;
import static io.jublk.uring.internal.IoUringLayout.IOVEC_LEN;
import static io.jublk.uring.internal.IoUringLayout.IOVEC_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A reusable native {@code struct iovec} array for READV/WRITEV. The kernel copies the array when it
 * takes the SQE, so it may be refilled after submit; the buffers it points to must live until completion.
 */
public final class IoVecs {
    private final MemorySegment array;
    private final MemorySegment[] buffers;

    private IoVecs(MemorySegment array, int capacity) {
        this.array = array;
        this.buffers = new MemorySegment[capacity];
    }

    /** An array of {@code capacity} (1..1024, the kernel's UIO_MAXIOV) entries allocated in {@code arena}. */
    public static IoVecs allocate(Arena arena, int capacity) {
        Objects.requireNonNull(arena, "arena");
        if (capacity < 1 || capacity > 1024) {
            throw new IllegalArgumentException("iovec count must be 1..1024: " + capacity);
        }
        return new IoVecs(arena.allocate((long) capacity * IOVEC_SIZE, 8), capacity);
    }

    public int capacity() {
        return buffers.length;
    }

    /** Points entry {@code index} at {@code len} bytes of {@code buf} from {@code offset}. */
    public IoVecs set(int index, MemorySegment buf, long offset, long len) {
        Objects.checkIndex(index, buffers.length);
        if (len < 0 || len > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("iovec length out of range: " + len);
        }
        long address = Sqe.address(buf, offset, (int) len);
        long at = (long) index * IOVEC_SIZE;
        array.set(JAVA_LONG, at + IOVEC_BASE, address);
        array.set(JAVA_LONG, at + IOVEC_LEN, len);
        buffers[index] = buf;
        return this;
    }

    /** Address of the array after checking that its first {@code count} entries are set and alive. */
    long address(int count) {
        if (count < 1 || count > buffers.length) {
            throw new IllegalArgumentException("iovec count must be 1.." + buffers.length + ": " + count);
        }
        for (int i = 0; i < count; i++) {
            MemorySegment b = buffers[i];
            if (b == null) {
                throw new IllegalStateException("iovec " + i + " is not set");
            }
            if (!b.scope().isAlive()) {
                throw new IllegalStateException("iovec " + i + " points into a closed arena");
            }
        }
        if (!array.scope().isAlive()) {
            throw new IllegalStateException("the iovec array's arena is closed");
        }
        return array.address();
    }
}
