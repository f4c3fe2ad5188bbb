package io.jublk.target.qcow2.image;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The caller's bytes of one write, gathered while they go to consecutive host clusters (a run of new
 * clusters, or of the image's own), so the run goes to the file as one write instead of one per cluster.
 * The image's lock guards it; the bytes must reach the file ({@link #flush}) before the write's metadata.
 */
final class DataRun {
    /** Writes all of a buffer's remaining bytes at a position. */
    interface Writer {
        void write(ByteBuffer src, long position) throws IOException;
    }

    private final Writer writer;
    private ByteBuffer src;
    private int from;
    private int length;
    private long host;

    DataRun(Writer writer) {
        this.writer = writer;
    }

    /** Takes {@code src}'s remaining bytes (consumed) for {@code position}: joins the run or starts one. */
    void add(ByteBuffer src, long position) throws IOException {
        int n = src.remaining();
        if (length > 0 && src == this.src && src.position() == from + length && position == host + length) {
            length += n;
        } else {
            flush();
            this.src = src;
            this.from = src.position();
            this.length = n;
            this.host = position;
        }
        src.position(src.position() + n);
    }

    /** Writes the run gathered so far, if any. */
    void flush() throws IOException {
        if (length == 0) {
            return;
        }
        ByteBuffer b = src;
        int position = b.position();
        int limit = b.limit();
        b.limit(from + length).position(from);
        try {
            writer.write(b, host);
        } finally {
            b.limit(limit).position(position);
            forget();
        }
    }

    /** Drops the run unwritten (a failed write). */
    void forget() {
        src = null;
        length = 0;
    }
}
