package io.jublk.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A ring of provided buffers (IORING_REGISTER_PBUF_RING) that the kernel picks from for an SQE with
 * {@link Sqe#bufferSelect(int)}: {@code struct io_uring_buf} entries of 16 bytes (addr u64, len u32,
 * bid u16), whose 16-bit tail the application publishes at byte 14 of the ring (over entry 0's reserved
 * field). The kernel consumes a whole buffer per completion and names it by id in the completion's
 * flags ({@link IoUring#CQE_BUFFER_SHIFT}); {@link #add} gives it back. Owner thread only; nothing here
 * allocates.
 */
public final class BufferRing {
    static final int ENTRY_SIZE = 16;
    private static final long ENTRY_ADDR = 0;
    private static final long ENTRY_LEN = 8;
    private static final long ENTRY_BID = 12;
    private static final long TAIL = 14;
    private static final VarHandle TAIL_HANDLE = JAVA_SHORT.varHandle();

    private final MemorySegment entries;
    private final int group;
    private final int mask;
    private int tail;

    BufferRing(MemorySegment entries, int group, int count) {
        this.entries = entries;
        this.group = group;
        this.mask = count - 1;
    }

    /** The buffer group id SQEs name in {@link Sqe#bufferSelect(int)}. */
    public int group() {
        return group;
    }

    /** How many buffers the ring holds at most. */
    public int capacity() {
        return mask + 1;
    }

    /** Queues {@code buffer} (its whole length) as buffer {@code id}; visible to the kernel after {@link #publish}. */
    public void add(MemorySegment buffer, int id) {
        if (id < 0 || id > 0xFFFF || buffer.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("buffer id " + id + " or size " + buffer.byteSize());
        }
        long at = (long) (tail & mask) * ENTRY_SIZE;
        entries.set(JAVA_LONG, at + ENTRY_ADDR, buffer.address());
        entries.set(JAVA_INT, at + ENTRY_LEN, (int) buffer.byteSize());
        entries.set(JAVA_SHORT, at + ENTRY_BID, (short) id);
        tail++;
    }

    /** Makes every buffer added so far visible to the kernel (a release store of the tail). */
    public void publish() {
        TAIL_HANDLE.setRelease(entries, TAIL, (short) tail);
    }

    /** The buffer id a completion's flags name, or -1 when it carries none. */
    public static int bufferId(int cqeFlags) {
        return (cqeFlags & IoUring.CQE_F_BUFFER) == 0 ? -1 : cqeFlags >>> IoUring.CQE_BUFFER_SHIFT;
    }
}
