package io.jublk.target.qcow2.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Storage} that passes everything on and remembers each write and each sync, so a test can rebuild
 * the file as a crash at any point could have left it.
 */
final class RecordingStorage extends ForwardingStorage {
    /** A write (bytes at position) or, with null bytes, a sync. */
    record Op(long position, byte[] bytes) {
        boolean sync() {
            return bytes == null;
        }
    }

    final List<Op> ops = new ArrayList<>();

    RecordingStorage(Storage inner) {
        super(inner);
    }

    @Override
    public synchronized void write(ByteBuffer src, long position) throws IOException {
        byte[] copy = new byte[src.remaining()];
        src.duplicate().get(copy);
        ops.add(new Op(position, copy));
        inner.write(src, position);
    }

    @Override
    public synchronized void sync() throws IOException {
        ops.add(new Op(0, null));
        inner.sync();
    }
}
