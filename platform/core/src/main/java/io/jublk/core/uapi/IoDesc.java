package io.jublk.core.uapi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code struct ublksrv_io_desc} (24 bytes, one per tag): the request the kernel hands a queue, read from
 * the queue's read-only mmap of {@code /dev/ublkcN}. Accessors take the whole descriptor array and a tag
 * so the hot path allocates nothing.
 */
public final class IoDesc {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("op_flags"),
            JAVA_INT.withName("nr_sectors"),
            JAVA_LONG.withName("start_sector"),
            JAVA_LONG.withName("addr"));
    public static final long SIZE = LAYOUT.byteSize();

    static final long OP_FLAGS = LAYOUT.byteOffset(groupElement("op_flags"));
    static final long NR_SECTORS = LAYOUT.byteOffset(groupElement("nr_sectors"));
    static final long START_SECTOR = LAYOUT.byteOffset(groupElement("start_sector"));
    static final long ADDR = LAYOUT.byteOffset(groupElement("addr"));

    /** Largest queue depth the kernel allows (UBLK_MAX_QUEUE_DEPTH). */
    public static final int MAX_QUEUE_DEPTH = 4096;

    private IoDesc() {
    }

    /** Byte offset of queue {@code queueId}'s descriptor array in the ublkc mmap. */
    public static long mmapOffset(int queueId, long pageSize) {
        return queueId * roundUp(MAX_QUEUE_DEPTH * SIZE, pageSize);
    }

    /** Length of one queue's descriptor mapping. */
    public static long mmapLength(int queueDepth, long pageSize) {
        return roundUp(queueDepth * SIZE, pageSize);
    }

    public static int opFlags(MemorySegment descs, int tag) {
        return descs.get(JAVA_INT, tag * SIZE + OP_FLAGS);
    }

    /** The request's operation (low 8 bits of op_flags), see {@link IoOp}. */
    public static int op(MemorySegment descs, int tag) {
        return opFlags(descs, tag) & 0xff;
    }

    /** The request's flags (op_flags above the op byte), see {@link IoOp}'s FLAG_ constants. */
    public static int flags(MemorySegment descs, int tag) {
        return opFlags(descs, tag) & ~0xff;
    }

    public static int sectors(MemorySegment descs, int tag) {
        return descs.get(JAVA_INT, tag * SIZE + NR_SECTORS);
    }

    public static long startSector(MemorySegment descs, int tag) {
        return descs.get(JAVA_LONG, tag * SIZE + START_SECTOR);
    }

    public static long addr(MemorySegment descs, int tag) {
        return descs.get(JAVA_LONG, tag * SIZE + ADDR);
    }

    static long roundUp(long value, long to) {
        return (value + to - 1) / to * to;
    }
}
