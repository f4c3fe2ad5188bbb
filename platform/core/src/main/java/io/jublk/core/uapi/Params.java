package io.jublk.core.uapi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code struct ublk_params} (152 bytes in 7.x; older kernels read a prefix, as {@code len} says), for
 * SET_PARAMS and GET_PARAMS. Only the parts jublk uses are modelled: basic, discard and devt.
 */
public record Params(Basic basic, Discard discard, Devt devt) {

    public static final int TYPE_BASIC = 1;
    public static final int TYPE_DISCARD = 2;
    public static final int TYPE_DEVT = 4;
    public static final int TYPE_ZONED = 8;
    public static final int TYPE_DMA_ALIGN = 16;
    public static final int TYPE_SEGMENT = 32;
    public static final int TYPE_INTEGRITY = 64;

    public static final int ATTR_READ_ONLY = 1;
    public static final int ATTR_ROTATIONAL = 2;
    public static final int ATTR_VOLATILE_CACHE = 4;
    public static final int ATTR_FUA = 8;

    static final StructLayout BASIC = MemoryLayout.structLayout(
            JAVA_INT.withName("attrs"),
            JAVA_BYTE.withName("logical_bs_shift"),
            JAVA_BYTE.withName("physical_bs_shift"),
            JAVA_BYTE.withName("io_opt_shift"),
            JAVA_BYTE.withName("io_min_shift"),
            JAVA_INT.withName("max_sectors"),
            JAVA_INT.withName("chunk_sectors"),
            JAVA_LONG.withName("dev_sectors"),
            JAVA_LONG.withName("virt_boundary_mask"));
    static final StructLayout DISCARD = MemoryLayout.structLayout(
            JAVA_INT.withName("discard_alignment"),
            JAVA_INT.withName("discard_granularity"),
            JAVA_INT.withName("max_discard_sectors"),
            JAVA_INT.withName("max_write_zeroes_sectors"),
            JAVA_SHORT.withName("max_discard_segments"),
            JAVA_SHORT.withName("reserved0"));
    static final StructLayout DEVT = MemoryLayout.structLayout(
            JAVA_INT.withName("char_major"),
            JAVA_INT.withName("char_minor"),
            JAVA_INT.withName("disk_major"),
            JAVA_INT.withName("disk_minor"));

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("len"),
            JAVA_INT.withName("types"),
            BASIC.withName("basic"),
            DISCARD.withName("discard"),
            DEVT.withName("devt"),
            // zoned and dma_align start with u32s (4-aligned); segment starts with a u64, hence the padding.
            MemoryLayout.sequenceLayout(32, JAVA_BYTE).withName("zoned"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("dma"),
            MemoryLayout.paddingLayout(4),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("seg"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("integrity"));
    public static final long SIZE = LAYOUT.byteSize();

    static final long LEN = LAYOUT.byteOffset(groupElement("len"));
    static final long TYPES = LAYOUT.byteOffset(groupElement("types"));
    static final long BASIC_AT = LAYOUT.byteOffset(groupElement("basic"));
    static final long DISCARD_AT = LAYOUT.byteOffset(groupElement("discard"));
    static final long DEVT_AT = LAYOUT.byteOffset(groupElement("devt"));
    static final long ZONED_AT = LAYOUT.byteOffset(groupElement("zoned"));
    static final long SEGMENT_AT = LAYOUT.byteOffset(groupElement("seg"));

    /** {@code struct ublk_param_basic}. Shifts are log2 of byte sizes; sizes are in 512-byte sectors. */
    public record Basic(int attrs, int logicalBlockShift, int physicalBlockShift, int ioOptShift, int ioMinShift,
                        int maxSectors, int chunkSectors, long devSectors, long virtBoundaryMask) {
        public boolean has(int attr) {
            return (attrs & attr) != 0;
        }
    }

    /** {@code struct ublk_param_discard}. */
    public record Discard(int alignment, int granularity, int maxDiscardSectors, int maxWriteZeroesSectors,
                          int maxDiscardSegments) {
    }

    /** {@code struct ublk_param_devt}: filled by the kernel, read back with GET_PARAMS. */
    public record Devt(int charMajor, int charMinor, int diskMajor, int diskMinor) {
    }

    /** The {@code types} bits this value carries. */
    public int types() {
        return (basic != null ? TYPE_BASIC : 0) | (discard != null ? TYPE_DISCARD : 0) | (devt != null ? TYPE_DEVT : 0);
    }

    /** Writes the params for SET_PARAMS; devt is never written (the kernel owns it). */
    public void write(MemorySegment s) {
        s.asSlice(0, SIZE).fill((byte) 0);
        s.set(JAVA_INT, LEN, (int) SIZE);
        s.set(JAVA_INT, TYPES, types() & ~TYPE_DEVT);
        if (basic != null) {
            MemorySegment b = s.asSlice(BASIC_AT, BASIC.byteSize());
            b.set(JAVA_INT, basicOffset("attrs"), basic.attrs);
            b.set(JAVA_BYTE, basicOffset("logical_bs_shift"), (byte) basic.logicalBlockShift);
            b.set(JAVA_BYTE, basicOffset("physical_bs_shift"), (byte) basic.physicalBlockShift);
            b.set(JAVA_BYTE, basicOffset("io_opt_shift"), (byte) basic.ioOptShift);
            b.set(JAVA_BYTE, basicOffset("io_min_shift"), (byte) basic.ioMinShift);
            b.set(JAVA_INT, basicOffset("max_sectors"), basic.maxSectors);
            b.set(JAVA_INT, basicOffset("chunk_sectors"), basic.chunkSectors);
            b.set(JAVA_LONG, basicOffset("dev_sectors"), basic.devSectors);
            b.set(JAVA_LONG, basicOffset("virt_boundary_mask"), basic.virtBoundaryMask);
        }
        if (discard != null) {
            MemorySegment d = s.asSlice(DISCARD_AT, DISCARD.byteSize());
            d.set(JAVA_INT, discardOffset("discard_alignment"), discard.alignment);
            d.set(JAVA_INT, discardOffset("discard_granularity"), discard.granularity);
            d.set(JAVA_INT, discardOffset("max_discard_sectors"), discard.maxDiscardSectors);
            d.set(JAVA_INT, discardOffset("max_write_zeroes_sectors"), discard.maxWriteZeroesSectors);
            d.set(JAVA_SHORT, discardOffset("max_discard_segments"), (short) discard.maxDiscardSegments);
        }
    }

    /** Reads what GET_PARAMS returned; parts whose type bit is clear come back null. */
    public static Params read(MemorySegment s) {
        int types = s.get(JAVA_INT, TYPES);
        Basic basic = null;
        Discard discard = null;
        Devt devt = null;
        if ((types & TYPE_BASIC) != 0) {
            MemorySegment b = s.asSlice(BASIC_AT, BASIC.byteSize());
            basic = new Basic(b.get(JAVA_INT, basicOffset("attrs")),
                    Byte.toUnsignedInt(b.get(JAVA_BYTE, basicOffset("logical_bs_shift"))),
                    Byte.toUnsignedInt(b.get(JAVA_BYTE, basicOffset("physical_bs_shift"))),
                    Byte.toUnsignedInt(b.get(JAVA_BYTE, basicOffset("io_opt_shift"))),
                    Byte.toUnsignedInt(b.get(JAVA_BYTE, basicOffset("io_min_shift"))),
                    b.get(JAVA_INT, basicOffset("max_sectors")),
                    b.get(JAVA_INT, basicOffset("chunk_sectors")),
                    b.get(JAVA_LONG, basicOffset("dev_sectors")),
                    b.get(JAVA_LONG, basicOffset("virt_boundary_mask")));
        }
        if ((types & TYPE_DISCARD) != 0) {
            MemorySegment d = s.asSlice(DISCARD_AT, DISCARD.byteSize());
            discard = new Discard(d.get(JAVA_INT, discardOffset("discard_alignment")),
                    d.get(JAVA_INT, discardOffset("discard_granularity")),
                    d.get(JAVA_INT, discardOffset("max_discard_sectors")),
                    d.get(JAVA_INT, discardOffset("max_write_zeroes_sectors")),
                    Short.toUnsignedInt(d.get(JAVA_SHORT, discardOffset("max_discard_segments"))));
        }
        if ((types & TYPE_DEVT) != 0) {
            MemorySegment t = s.asSlice(DEVT_AT, DEVT.byteSize());
            devt = new Devt(t.get(JAVA_INT, devtOffset("char_major")), t.get(JAVA_INT, devtOffset("char_minor")),
                    t.get(JAVA_INT, devtOffset("disk_major")), t.get(JAVA_INT, devtOffset("disk_minor")));
        }
        return new Params(basic, discard, devt);
    }

    static long basicOffset(String field) {
        return BASIC.byteOffset(groupElement(field));
    }

    static long discardOffset(String field) {
        return DISCARD.byteOffset(groupElement(field));
    }

    static long devtOffset(String field) {
        return DEVT.byteOffset(groupElement(field));
    }
}
