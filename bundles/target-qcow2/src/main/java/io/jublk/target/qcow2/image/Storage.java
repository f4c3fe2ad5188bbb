package io.jublk.target.qcow2.image;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** The bytes of an image file: positional reads and writes, and a barrier that makes them durable. */
public interface Storage extends Closeable {

    /** Fills {@code dst} from {@code position}; bytes past the end of the file read as zeroes. */
    void read(ByteBuffer dst, long position) throws IOException;

    /** Writes all of {@code src} at {@code position}. */
    void write(ByteBuffer src, long position) throws IOException;

    /** fdatasync: every write before it is durable when it returns. */
    void sync() throws IOException;

    long size() throws IOException;
}
