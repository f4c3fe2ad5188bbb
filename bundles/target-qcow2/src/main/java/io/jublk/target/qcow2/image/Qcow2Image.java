package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.cache.Table;
import io.jublk.target.qcow2.format.Entries;
import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.target.qcow2.format.Snapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A qcow2 image open for reading, or reading and writing. Thread-safe: one lock serialises mapping and
 * metadata; {@link #mapDirect} lets a caller do data I/O on already-allocated clusters outside it.
 *
 * <p>Crash safety:
 * <ul>
 * <li>every metadata change a write or zeroing depends on (L2 entries, refcounts) is in the file (written,
 *     not synced) before the call returns: a killed process loses nothing that was acknowledged;</li>
 * <li>the dirty bit is set while the image is open for writing, so a power cut that wrote an L2 entry back
 *     before the refcount it needs is repaired (refcounts raised) on the next open for writing;</li>
 * <li>what a repair cannot undo is ordered with a sync: bytes an allocating write did not get from its
 *     caller (copy-on-write, zero padding) are durable before the entry that exposes them; a new L2 table
 *     before the L1 entry; a cluster no longer referenced (discard, copy-on-write) is only freed once the
 *     entry that dropped it is durable, so it can never be handed out while the file still points at it;</li>
 * <li>clusters with a refcount above one (snapshots, L2 tables without the COPIED flag) are copied, never
 *     written in place.</li>
 * </ul>
 */
public final class Qcow2Image implements ImageSource {
    private static final Logger LOG = LoggerFactory.getLogger(Qcow2Image.class);
    /** {@link #mapDirect} returns the host offset with the direct I/O's epoch in this bit. */
    private static final int DIRECT_EPOCH_SHIFT = 62;

    private final Path path;
    private final Storage file;
    private final Header header;
    private final boolean readOnly;
    private final int clusterSize;
    private final boolean extL2;
    private final L2Tables tables;
    private final ImageSource backing;
    private final List<Snapshot> snapshots;
    private final ClusterReader reader;
    /** Refcounts, metadata clusters (overlap checks) and deferred frees. */
    private final ClusterSpace space;
    /** The dirty bit while open for writing, and the corrupt mark. */
    private final FeatureBits features;
    private final ClusterWriter writer;
    private final DataRun run;
    private boolean closed;
    /** Keeps a second writer (a jublk device or QEMU) away while open; null for an image on a test Storage. */
    private ImageLock lock;

    Qcow2Image(Path path, Storage file, Header header, boolean readOnly, long[] l1, ImageSource backing,
                       List<Snapshot> snapshots, int l2CacheTables) {
        this.path = path;
        this.file = file;
        this.header = header;
        this.readOnly = readOnly;
        this.clusterSize = header.clusterSize();
        this.extL2 = header.extendedL2();
        this.space = new ClusterSpace(file, header);
        this.features = new FeatureBits(path, file, header);
        this.tables = new L2Tables(path, file, header, l1, l2CacheTables, space, this::persist);
        this.backing = backing;
        this.snapshots = snapshots;
        this.reader = new ClusterReader(path, file, header, tables, backing);
        this.writer = new ClusterWriter(file, header, tables, reader, backing != null, space);
        this.run = writer.run;
    }

    static Qcow2Image open(Path path, boolean readOnly, int depth, long l2CacheBytes) throws Qcow2Exception {
        return Qcow2Opener.open(path, readOnly, depth, l2CacheBytes);
    }

    /** Opens the image in {@code file} (which it then owns), named {@code path} for messages and backing files. */
    static Qcow2Image open(Path path, Storage file, boolean readOnly, int depth, long l2CacheBytes)
            throws Qcow2Exception {
        return Qcow2Opener.open(path, file, readOnly, depth, l2CacheBytes, null);
    }

    /** Holds {@code lock} (null for none) until closed. */
    void holdLock(ImageLock lock) {
        this.lock = lock;
    }

    /**
     * Loads the refcounts, repairs them after an unclean close, clears autoclear bits (bitmaps become
     * stale) and sets the dirty bit until {@link #close}.
     */
    void openForWrite() throws Qcow2Exception, IOException {
        space.load();
        if (header.dirty()) {
            Qcow2Checker.repairAfterUncleanClose(this);
        }
        space.trackMetadata(tables.l1(), snapshots);
        features.openForWrite();
    }

    // ---- reading ----------------------------------------------------------------------------------

    public Header header() {
        return header;
    }

    public Path path() {
        return path;
    }

    public List<Snapshot> snapshots() {
        return snapshots;
    }

    public ImageSource backing() {
        return backing;
    }

    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public long virtualSize() {
        return header.size;
    }

    public int clusterSize() {
        return clusterSize;
    }

    Storage storage() {
        return file;
    }

    long[] l1() {
        return tables.l1();
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws Qcow2Exception {
        checkOpen();
        try {
            while (dst.hasRemaining()) {
                if (offset >= header.size) {
                    ClusterReader.zero(dst, dst.remaining());
                    return;
                }
                int n = (int) Math.min(dst.remaining(), clusterSize - (offset & (clusterSize - 1)));
                n = (int) Math.min(n, header.size - offset);
                int limit = dst.limit();
                dst.limit(dst.position() + n);
                reader.readPiece(offset, dst);
                dst.limit(limit);
                offset += n;
            }
        } catch (IOException e) {
            throw Images.ioError("cannot read " + path, e);
        }
    }

    /**
     * Writes every metadata change made so far to the file (not synced): refcounts, then the changed entries of
     * each L2 table; a sync first when an allocating write wrote bytes that an entry will expose.
     */
    private void persist() throws IOException {
        boolean counted = space.writeBack();
        if (!tables.changed()) {
            return;
        }
        if (writer.padded || counted && !features.dirtySet()) { // without the dirty bit, counts must be durable before entries
            file.sync();
            writer.padded = false;
        }
        tables.writeBack();
    }

    /**
     * After a failed write: the data gathered and the entries already changed go to the file if they can, so a
     * direct write that maps those entries later does not depend on metadata only in memory.
     */
    private void persistAfterFailure() {
        try {
            run.flush();
            persist();
        } catch (IOException e) {
            LOG.warn("qcow2: {}: writing back after a failed write failed too: {}", path, e.getMessage());
        }
    }

    private void checkOpen() throws Qcow2Exception {
        if (closed) {
            throw new Qcow2Exception(path + " is closed");
        }
    }

    private void checkWritable(long offset, long length) throws Qcow2Exception {
        checkOpen();
        if (readOnly) {
            throw new Qcow2Exception(path + " is open read-only");
        }
        if (features.corrupt()) {
            throw new Qcow2Exception(path + " was marked corrupt: writes are refused");
        }
        if (offset < 0 || length < 0 || offset + length > header.size) {
            throw new Qcow2Exception("range " + offset + "+" + length + " is outside the disk (" + header.size
                    + " bytes)");
        }
    }

    // ---- writing ----------------------------------------------------------------------------------

    /** Writes {@code src.remaining()} bytes at {@code offset}, allocating and copying clusters as needed. */
    public synchronized void write(long offset, ByteBuffer src) throws Qcow2Exception {
        checkWritable(offset, src.remaining());
        change(() -> {
            for (long at = offset; src.hasRemaining(); ) {
                int n = Math.min(src.remaining(), clusterSize - (int) (at & (clusterSize - 1)));
                int limit = src.limit();
                src.limit(src.position() + n);
                writer.writePiece(at, src);
                src.limit(limit);
                at += n;
            }
        });
    }

    /**
     * Data-cluster writes go to {@code fd}, an O_DIRECT descriptor of this image's file that the caller keeps
     * open until {@link #close}, whenever their memory is native and their range 512-byte aligned (see
     * {@link ClusterWriter#directData}).
     */
    public synchronized void directData(int fd) {
        writer.directData(fd);
    }

    /**
     * Makes {@code length} bytes from {@code offset} read as zeroes, deallocating whole clusters (a zero
     * cluster where a backing file would show through, where the version has them). For DISCARD and
     * WRITE_ZEROES alike.
     */
    public synchronized void zeroRange(long offset, long length) throws Qcow2Exception {
        checkWritable(offset, length);
        change(() -> {
            for (long at = offset, end = offset + length; at < end; ) {
                int inCluster = (int) (at & (clusterSize - 1));
                int n = (int) Math.min(end - at, clusterSize - inCluster);
                writer.zeroPiece(at, n, n == clusterSize || at + n == header.size && inCluster == 0);
                at += n;
            }
        });
    }

    /** A change of the disk's contents, piece by piece through the {@link ClusterWriter}. */
    private interface Change {
        void apply() throws Qcow2Exception, IOException;
    }

    /**
     * Applies {@code change}, then writes its data and metadata to the file (so a killed process loses nothing
     * acknowledged); after a failure, what it did change goes to the file as far as it can.
     */
    private void change(Change change) throws Qcow2Exception {
        try {
            change.apply();
            run.flush();
            persist();
        } catch (MetadataOverlapException e) {
            throw features.markCorrupt(e);
        } catch (IOException e) {
            persistAfterFailure();
            throw Images.ioError("cannot write " + path, e);
        } finally {
            run.forget();
        }
    }

    /**
     * Makes everything written before the call durable: the metadata is in the file already, so one sync,
     * taken outside the image's lock (the other queues map and write meanwhile); then frees what dropped
     * entries pointed at, as far as {@link DeferredFrees} allows.
     */
    public void flush() throws Qcow2Exception {
        long durable;
        synchronized (this) {
            checkOpen();
            if (readOnly) {
                return;
            }
            try {
                persist();
            } catch (IOException e) {
                throw Images.ioError("cannot flush " + path, e);
            }
            durable = space.dropped();
        }
        try {
            file.sync();
        } catch (IOException e) {
            throw Images.ioError("cannot flush " + path, e);
        }
        synchronized (this) {
            checkOpen();
            try {
                space.release(durable);
            } catch (IOException e) {
                throw Images.ioError("cannot flush " + path, e);
            }
        }
    }

    /** Ranges dropped by entries and not freed yet (for tests and diagnostics). */
    public synchronized int waitingFrees() {
        return space.waiting();
    }

    /**
     * The host offset of {@code length} bytes at {@code offset} when they lie in clusters that are allocated,
     * contiguous in the file and (for a write) the image's own, so the caller may read or write them directly;
     * -1 otherwise: the host offset is {@link #directOffset} of the value returned. A direct I/O handed out
     * must be ended with {@link #directDone}, given the value returned.
     */
    public synchronized long mapDirect(long offset, int length, boolean write) throws Qcow2Exception {
        checkOpen();
        if (length <= 0 || offset < 0 || offset + length > header.size || write && readOnly) {
            return -1;
        }
        try {
            long first = -1;
            long at = offset;
            long end = offset + length;
            while (at < end) {
                Table l2 = tables.l2For(at, false);
                if (l2 == null) {
                    return -1;
                }
                int index = tables.l2Index(at);
                long entry = tables.entry(l2, index);
                if (Entries.compressed(entry)) {
                    return -1;
                }
                long host = tables.hostOffset(entry, at);
                int inCluster = (int) (at & (clusterSize - 1));
                int n = (int) Math.min(end - at, clusterSize - inCluster);
                if (host == 0 || write && (entry & Entries.COPIED) == 0 || write
                        && (tables.l1()[tables.l1Index(at)] & Entries.COPIED) == 0 || write && features.corrupt()) {
                    return -1;
                }
                if (write) {
                    space.guard(host, clusterSize);
                }
                boolean plain = extL2 ? writer.writesInPlace(entry, tables.bitmap(l2, index), inCluster, n)
                        : (entry & Entries.ZERO) == 0;
                if (!plain) {
                    return -1;
                }
                if (first < 0) {
                    first = host + inCluster;
                } else if (host != first + (at - offset)) {
                    return -1;
                }
                at += n;
            }
            return first | (long) space.beginDirect() << DIRECT_EPOCH_SHIFT;
        } catch (MetadataOverlapException e) {
            throw features.markCorrupt(e);
        } catch (IOException e) {
            throw Images.ioError("cannot read " + path, e);
        }
    }

    /** The host offset in what {@link #mapDirect} returned. */
    public static long directOffset(long mapped) {
        return mapped & ((1L << DIRECT_EPOCH_SHIFT) - 1);
    }

    /** Ends the direct I/O that {@link #mapDirect} returned {@code mapped} for; from any thread, exactly once. */
    public void directDone(long mapped) {
        space.endDirect((int) (mapped >>> DIRECT_EPOCH_SHIFT));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            if (!readOnly) {
                flush();
                int inFlight = space.releaseAll();
                if (inFlight > 0) {
                    LOG.warn("qcow2: {} closed with {} direct I/Os in flight: the clusters it freed leak",
                            path, inFlight);
                }
                features.closeClean();
            }
        } catch (Qcow2Exception | IOException e) {
            LOG.error("qcow2: closing {} failed: {}", path, e.getMessage());
        } finally {
            closed = true;
            Qcow2Opener.closeQuietly(file, backing);
            writer.close();
            Qcow2Opener.unlock(lock); // last: the image is another user's to take only once written back
        }
    }

    /** Refcounts for the checker; loaded on demand for read-only images. */
    synchronized Refcounts refcounts() throws Qcow2Exception, IOException {
        return space.refcounts();
    }
}
