package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.format.Qcow2Exception;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** A raw file as a read-only backing image. */
final class RawImage implements ImageSource {
    private final Path file;
    private final Storage storage;
    private final long size;

    RawImage(Path file, Storage storage, long size) {
        this.file = file;
        this.storage = storage;
        this.size = size;
    }

    static RawImage open(Path file) throws Qcow2Exception {
        try {
            Storage s = FileStorage.open(file, true);
            return new RawImage(file, s, s.size());
        } catch (IOException e) {
            throw Images.ioError("cannot open backing file " + file, e);
        }
    }

    @Override
    public long virtualSize() {
        return size;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws Qcow2Exception {
        try {
            storage.read(dst, offset);
        } catch (IOException e) {
            throw Images.ioError("cannot read backing file " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            storage.close();
        } catch (IOException ignored) {
            // read-only: nothing is lost
        }
    }
}
