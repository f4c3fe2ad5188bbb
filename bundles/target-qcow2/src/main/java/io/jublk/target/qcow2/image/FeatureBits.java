package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The header's feature bits while an image is open for writing: the dirty bit, set (and synced) from the open to
 * a clean close so that a power cut's low refcounts are repaired on the next open (version 3: a version 2 header
 * has no feature bits); the corrupt bit, set once a write would have overwritten metadata; the autoclear bits,
 * cleared on the open.
 */
final class FeatureBits {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureBits.class);

    private final Path path;
    private final Storage file;
    private final Header header;
    /** The incompatible feature bits as the file has them. */
    private long incompatible;
    private boolean dirtySet;
    private boolean corrupt;

    FeatureBits(Path path, Storage file, Header header) {
        this.path = path;
        this.file = file;
        this.header = header;
        this.incompatible = header.incompatible;
    }

    /** Clears the autoclear bits (persistent bitmaps become stale, as QEMU expects) and sets the dirty bit. */
    void openForWrite() throws IOException {
        if (header.autoclear != 0) {
            file.write(ByteBuffer.allocate(8), Header.OFF_AUTOCLEAR);
            file.sync();
        }
        if (header.version >= 3) { // version 2 has no feature bits: offset 72 holds its header extensions
            incompatible |= Header.INCOMPAT_DIRTY;
            dirtySet = true;
        }
        if (incompatible != header.incompatible) {
            writeIncompatible(incompatible);
        }
    }

    /** Whether the dirty bit is set: refcounts may then reach the disk after the entries that need them. */
    boolean dirtySet() {
        return dirtySet;
    }

    /** Whether a write would have overwritten metadata: every write is refused. */
    boolean corrupt() {
        return corrupt;
    }

    /** Marks the image corrupt (in the file too, once), with one line in the log; the exception to throw. */
    Qcow2Exception markCorrupt(MetadataOverlapException e) {
        if (!corrupt) {
            corrupt = true;
            incompatible |= Header.INCOMPAT_CORRUPT;
            LOG.error("qcow2: {} is corrupt: {}; marked corrupt, writes refused", path, e.getMessage());
            try {
                if (header.version >= 3) {
                    writeIncompatible(incompatible);
                }
            } catch (IOException io) {
                LOG.error("qcow2: cannot mark {} corrupt: {}", path, io.getMessage());
            }
        }
        return new Qcow2Exception(path + " is corrupt: " + e.getMessage() + "; marked corrupt, writes refused");
    }

    /** On a clean close, after everything was written back and synced: clears the dirty bit. */
    void closeClean() throws IOException {
        if (dirtySet) {
            writeIncompatible(incompatible & ~Header.INCOMPAT_DIRTY);
        }
    }

    private void writeIncompatible(long bits) throws IOException {
        file.write(ByteBuffer.allocate(8).putLong(0, bits), Header.OFF_INCOMPAT);
        file.sync();
    }
}
