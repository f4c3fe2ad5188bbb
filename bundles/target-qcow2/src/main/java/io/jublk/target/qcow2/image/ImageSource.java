package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.format.Qcow2Exception;
import java.io.Closeable;
import java.nio.ByteBuffer;

/** Something with a virtual size that reads like a disk: a qcow2 image or a raw file (a backing file). */
public interface ImageSource extends Closeable {

    long virtualSize();

    /** Fills {@code dst} with the disk's bytes from {@code offset}; past the virtual size they are zeroes. */
    void read(long offset, ByteBuffer dst) throws Qcow2Exception;

    @Override
    void close();
}
