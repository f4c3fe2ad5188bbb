package io.jublk.target.qcow2.image;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A {@link Storage} that passes everything on to another: tests override what they watch or reorder. */
abstract class ForwardingStorage implements Storage {
    protected final Storage inner;

    ForwardingStorage(Storage inner) {
        this.inner = inner;
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        inner.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        inner.write(src, position);
    }

    @Override
    public void sync() throws IOException {
        inner.sync();
    }

    @Override
    public long size() throws IOException {
        return inner.size();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
