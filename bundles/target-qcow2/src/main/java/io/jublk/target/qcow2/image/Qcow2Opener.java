package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.format.Entries;
import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.target.qcow2.format.Snapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Opening a {@link Qcow2Image}: its lock, header (refused with one line if invalid, or marked corrupt for a
 * writer), L1 table, snapshots and backing chain; everything closed again if any of it fails.
 */
final class Qcow2Opener {
    private Qcow2Opener() {
    }

    /** Opens {@code path} with QEMU's image locks (a writer excludes everyone, readers exclude writers). */
    static Qcow2Image open(Path path, boolean readOnly, int depth, long l2CacheBytes) throws Qcow2Exception {
        Storage file;
        try {
            file = FileStorage.open(path, readOnly);
        } catch (IOException e) {
            throw Images.ioError("cannot open " + path, e);
        }
        ImageLock lock;
        try {
            lock = ImageLock.acquire(path, !readOnly);
        } catch (Qcow2Exception e) {
            closeQuietly(file, null);
            throw e;
        }
        return open(path, file, readOnly, depth, l2CacheBytes, lock);
    }

    /**
     * Opens the image in {@code file} (which it then owns), named {@code path} for messages and backing files,
     * holding {@code lock} (which it then owns; null for none) until closed.
     */
    static Qcow2Image open(Path path, Storage file, boolean readOnly, int depth, long l2CacheBytes,
                                   ImageLock lock) throws Qcow2Exception {
        ImageSource backing = null;
        try {
            long size = file.size();
            ByteBuffer first = ByteBuffer.allocate((int) Math.min(size, 1 << Header.MAX_CLUSTER_BITS));
            file.read(first, 0);
            first.flip();
            Header h = Header.parse(first, size);
            if (!readOnly && h.corrupt()) {
                throw new Qcow2Exception(path + " is marked corrupt: repair it (qemu-img check -r all) or open it"
                        + " read-only");
            }
            long[] l1 = readL1(file, h);
            List<Snapshot> snapshots = List.of();
            if (h.snapshotCount > 0) {
                int bytes = (int) Math.min(size - h.snapshotsOffset, (long) h.snapshotCount * Snapshot.MAX_ENTRY);
                ByteBuffer t = ByteBuffer.allocate(bytes);
                file.read(t, h.snapshotsOffset);
                snapshots = Snapshot.parseAll(t, h.snapshotCount, h, size);
            }
            if (h.backingFile != null) {
                backing = Images.openBacking(path, h.backingFile, h.backingFormat, depth);
            }
            Qcow2Image image = new Qcow2Image(path, file, h, readOnly, l1, backing, snapshots,
                    (int) Math.max(2, Math.min(1 << 16, l2CacheBytes / h.clusterSize())));
            image.holdLock(lock);
            if (!readOnly) {
                image.openForWrite();
            }
            return image;
        } catch (Qcow2Exception e) {
            closeQuietly(file, backing);
            unlock(lock);
            throw e;
        } catch (IOException e) {
            closeQuietly(file, backing);
            unlock(lock);
            throw Images.ioError("cannot read " + path, e);
        }
    }

    static void unlock(ImageLock lock) {
        if (lock != null) {
            lock.close();
        }
    }

    static void closeQuietly(Storage file, ImageSource backing) {
        if (backing != null) {
            backing.close();
        }
        try {
            file.close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    private static long[] readL1(Storage file, Header h) throws IOException, Qcow2Exception {
        ByteBuffer b = ByteBuffer.allocate(h.l1Size * 8);
        file.read(b, h.l1TableOffset);
        long[] l1 = new long[h.l1Size];
        for (int i = 0; i < l1.length; i++) {
            long e = b.getLong(i * 8);
            if ((e & Entries.L1_RESERVED) != 0 || ((e & Entries.OFFSET_MASK) & (h.clusterSize() - 1)) != 0) {
                throw new Qcow2Exception("L1 entry " + i + " is invalid: 0x" + Long.toHexString(e));
            }
            l1[i] = e;
        }
        return l1;
    }
}
