package io.jublk.target;

/**
 * What a target's disk looks like to the kernel.
 *
 * @param sizeBytes              the disk size, a multiple of {@code logicalBlockSize}
 * @param logicalBlockSize       512 to 4096, a power of two
 * @param physicalBlockSize      at least the logical block size, a power of two
 * @param readOnly               the disk rejects writes
 * @param rotational             the backing is a spinning disk
 * @param volatileCache          writes may sit in a cache until FLUSH
 * @param fua                    the target honours FUA writes itself
 * @param maxDiscardBytes        largest DISCARD / WRITE_ZEROES, 0 when the target does not support them
 * @param discardGranularity     discard granularity in bytes (0 when no discard)
 */
public record DiskGeometry(long sizeBytes, int logicalBlockSize, int physicalBlockSize, boolean readOnly,
                           boolean rotational, boolean volatileCache, boolean fua, long maxDiscardBytes,
                           int discardGranularity) {

    public DiskGeometry {
        if (!isPowerOfTwo(logicalBlockSize) || logicalBlockSize < 512 || logicalBlockSize > 4096) {
            throw new IllegalArgumentException("logical block size must be a power of two from 512 to 4096: "
                    + logicalBlockSize);
        }
        if (!isPowerOfTwo(physicalBlockSize) || physicalBlockSize < logicalBlockSize) {
            throw new IllegalArgumentException("physical block size must be a power of two >= the logical one: "
                    + physicalBlockSize);
        }
        if (sizeBytes <= 0 || sizeBytes % logicalBlockSize != 0) {
            throw new IllegalArgumentException("disk size must be a positive multiple of " + logicalBlockSize
                    + " bytes: " + sizeBytes);
        }
        if (maxDiscardBytes < 0 || discardGranularity < 0) {
            throw new IllegalArgumentException("discard limits must not be negative");
        }
    }

    public boolean supportsDiscard() {
        return maxDiscardBytes > 0;
    }

    private static boolean isPowerOfTwo(int v) {
        return v > 0 && (v & (v - 1)) == 0;
    }
}
