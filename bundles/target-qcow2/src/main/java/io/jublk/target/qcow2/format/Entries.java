package io.jublk.target.qcow2.format;

/** Bits of L1, L2 and refcount table entries (docs/interop/qcow2.txt). */
public final class Entries {
    /** Refcount is exactly one: the cluster may be written in place. */
    public static final long COPIED = 1L << 63;
    public static final long COMPRESSED = 1L << 62;
    /** v3, standard L2 entry without extended L2: the cluster reads as zeroes. */
    public static final long ZERO = 1;
    /** Host offset bits 9-55 of L1 entries, standard L2 entries and refcount table entries. */
    public static final long OFFSET_MASK = 0x00fffffffffffe00L;
    /** Bits that must be zero in an L1 entry. */
    public static final long L1_RESERVED = ~(COPIED | OFFSET_MASK);
    /** Extended L2 bitmap: all 32 subclusters allocated / all reading as zeroes. */
    public static final long ALL_ALLOCATED = 0xffffffffL;
    public static final long ALL_ZERO = 0xffffffffL << 32;

    private Entries() {
    }

    public static boolean compressed(long l2) {
        return (l2 & COMPRESSED) != 0;
    }

    /** Bit where the sector count of a compressed descriptor starts: 62 - (cluster_bits - 8). */
    public static int compressedShift(int clusterBits) {
        return 62 - (clusterBits - 8);
    }

    public static long compressedOffset(long l2, int clusterBits) {
        return l2 & ((1L << compressedShift(clusterBits)) - 1);
    }

    /** Bytes of compressed data: the 512-byte sectors it spans, less the part of the first one before it. */
    public static int compressedBytes(long l2, int clusterBits) {
        int shift = compressedShift(clusterBits);
        long sectors = ((l2 & ~(COPIED | COMPRESSED)) >>> shift) + 1;
        return (int) (sectors * 512 - (compressedOffset(l2, clusterBits) & 511));
    }

    /** A compressed descriptor for {@code bytes} of data at {@code offset}. */
    public static long compressedEntry(long offset, int bytes, int clusterBits) {
        long sectors = ((offset & 511) + bytes + 511) / 512;
        return COMPRESSED | ((sectors - 1) << compressedShift(clusterBits)) | offset;
    }
}
