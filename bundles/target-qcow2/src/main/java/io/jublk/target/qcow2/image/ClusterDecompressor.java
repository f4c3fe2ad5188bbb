package io.jublk.target.qcow2.image;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses one compressed cluster. The input is the whole run of 512-byte sectors the L2 entry names,
 * so it may end with bytes past the compressed stream.
 */
interface ClusterDecompressor {

    /** Fills {@code out} exactly from {@code in}; returns false when the data does not make a whole cluster. */
    boolean decompress(byte[] in, byte[] out);

    /** qcow2's default: raw deflate (no zlib header). */
    static ClusterDecompressor deflate() {
        Inflater inflater = new Inflater(true);
        return (in, out) -> {
            inflater.reset();
            inflater.setInput(in);
            try {
                int n = 0;
                while (n < out.length && !inflater.finished()) {
                    int got = inflater.inflate(out, n, out.length - n);
                    if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        break;
                    }
                    n += got;
                }
                return n == out.length;
            } catch (DataFormatException e) {
                return false;
            }
        };
    }
}
