package io.jublk.target.qcow2.image;

import io.airlift.compress.zstd.ZstdDecompressor;

/**
 * zstd-compressed clusters (compression_type 1), decoded by aircompressor's pure-Java zstd (embedded in
 * this bundle). QEMU writes one zstd frame per cluster, padded to whole sectors: the frame's own length
 * is found from its header and block headers (RFC 8878), so the padding is not taken for a second frame.
 */
final class ZstdClusters implements ClusterDecompressor {
    private static final int MAGIC = 0xFD2FB528;
    private final ZstdDecompressor zstd = new ZstdDecompressor();

    @Override
    public boolean decompress(byte[] in, byte[] out) {
        int length = frameLength(in);
        if (length < 0) {
            return false;
        }
        try {
            return zstd.decompress(in, 0, length, out, 0, out.length) == out.length;
        } catch (RuntimeException e) {
            return false; // MalformedInputException and friends: damaged data
        }
    }

    /** Bytes of the zstd frame at the start of {@code b}, or -1 when it is not a whole frame. */
    static int frameLength(byte[] b) {
        if (b.length < 6 || le32(b, 0) != MAGIC) {
            return -1;
        }
        int fhd = b[4] & 0xff;
        boolean single = (fhd & 0x20) != 0;
        int fcsFlag = fhd >>> 6;
        int dictFlag = fhd & 3;
        int at = 5 + (single ? 0 : 1) + (dictFlag == 3 ? 4 : dictFlag)
                + switch (fcsFlag) {
                    case 0 -> single ? 1 : 0;
                    case 1 -> 2;
                    case 2 -> 4;
                    default -> 8;
                };
        for (;;) {
            if (at + 3 > b.length) {
                return -1;
            }
            int header = (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16;
            boolean last = (header & 1) != 0;
            int type = (header >>> 1) & 3;
            int size = header >>> 3;
            at += 3 + switch (type) {
                case 0, 2 -> size; // raw, compressed
                case 1 -> 1; // RLE: one byte repeated
                default -> -b.length - 3 - at; // reserved: invalid
            };
            if (at < 0 || at > b.length) {
                return -1;
            }
            if (last) {
                int length = at + ((fhd & 4) != 0 ? 4 : 0);
                return length <= b.length ? length : -1;
            }
        }
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
