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
    private final int clusterBits;
    private final int clusterSize;
    private final boolean extL2;
    private final L2Tables tables;
    private final ImageSource backing;
    private final List<Snapshot> snapshots;
    private final ClusterReader reader;
    private Refcounts refcounts;
    /** Ranges entries no longer reference, freed once those entries are durable and no direct I/O needs them. */
    private final DeferredFrees frees = new DeferredFrees();
    private final DeferredFrees.Sink freeSink = this::free;
    private final ClusterWriter writer;
    private final DataRun run;
    /** The dirty bit is set while open (version 3): a power cut's low refcounts are repaired on the next open. */
    private boolean setDirty;
    /** The incompatible feature bits as the file has them while open. */
    private long incompatible;
    /** A write would have overwritten metadata: the image is marked corrupt and refuses writes. */
    private boolean markedCorrupt;
    /** The metadata clusters no data write may touch (QEMU's overlap checks); null when read-only. */
    private MetadataClusters metadata;
    private boolean closed;
    /** Keeps a second writer (a jublk device or QEMU) away while open; null for an image on a test Storage. */
    private ImageLock lock;

    Qcow2Image(Path path, Storage file, Header header, boolean readOnly, long[] l1, ImageSource backing,
                       List<Snapshot> snapshots, int l2CacheTables) {
        this.path = path;
        this.file = file;
        this.header = header;
        this.readOnly = readOnly;
        this.clusterBits = header.clusterBits;
        this.clusterSize = header.clusterSize();
        this.extL2 = header.extendedL2();
        this.tables = new L2Tables(path, file, header, l1, l2CacheTables, new L2Tables.Owner() {
            @Override
            public long allocateTable() throws Qcow2Exception, IOException {
                long host = allocate();
                metadata.add(host, clusterSize);
                return host;
            }

            @Override
            public void syncBeforeLink() throws IOException {
                refcounts.writeBackAndSync();
            }

            @Override
            public void freeLater(long offset, long bytes) {
                Qcow2Image.this.freeLater(offset, bytes);
            }

            @Override
            public void persist() throws IOException {
                Qcow2Image.this.persist();
            }
        });
        this.backing = backing;
        this.snapshots = snapshots;
        this.reader = new ClusterReader(path, file, header, tables, backing);
        this.writer = new ClusterWriter(file, header, tables, reader, backing != null, new ClusterWriter.Owner() {
            @Override
            public long allocate() throws Qcow2Exception, IOException {
                return Qcow2Image.this.allocate();
            }

            @Override
            public boolean lastAllocationPastEnd() {
                return refcounts.lastPastEnd();
            }

            @Override
            public void guard(long host, long bytes) throws MetadataOverlapException {
                Qcow2Image.this.guard(host, bytes);
            }

            @Override
            public void freeLater(long offset, long bytes) {
                Qcow2Image.this.freeLater(offset, bytes);
            }
        });
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
        refcounts = Refcounts.load(file, header);
        if (header.dirty() && !Qcow2Checker.check(this).clean()) {
            // a power cut (or QEMU's lazy refcounts and a crash): refcounts lag behind the L2 tables
            int raised = Qcow2Checker.repairLowRefcounts(this);
            CheckResult after = Qcow2Checker.check(this);
            if (!after.clean()) {
                throw new Qcow2Exception(path + " was not closed cleanly and is damaged beyond its refcounts ("
                        + after.corruptions() + " errors, e.g. " + after.messages().stream().filter(m -> m.startsWith("ERROR"))
                        .findFirst().orElse("?")
                        + "): repair it with qemu-img check -r all");
            }
            LOG.warn("qcow2: {} was not closed cleanly; raised {} refcounts left behind", path, raised);
        } else if (header.dirty()) {
            LOG.info("qcow2: {} was not closed cleanly; its refcounts are consistent", path);
        }
        trackMetadata();
        incompatible = header.incompatible;
        if (header.autoclear != 0) {
            file.write(ByteBuffer.allocate(8), Header.OFF_AUTOCLEAR);
            file.sync();
        }
        if (header.version >= 3) { // version 2 has no feature bits: offset 72 holds its header extensions
            incompatible |= Header.INCOMPAT_DIRTY;
            setDirty = true;
        }
        if (incompatible != header.incompatible) {
            file.write(ByteBuffer.allocate(8).putLong(0, incompatible), Header.OFF_INCOMPAT);
            file.sync();
        }
    }

    /** The metadata clusters of the file as opened: header, tables, blocks, active L2 tables, snapshots. */
    private void trackMetadata() throws IOException {
        metadata = new MetadataClusters(clusterBits);
        metadata.add(0, clusterSize);
        metadata.add(header.l1TableOffset, header.l1Size * 8L);
        for (long e : tables.l1()) {
            metadata.add(e & Entries.OFFSET_MASK, (e & Entries.OFFSET_MASK) == 0 ? 0 : clusterSize);
        }
        if (header.snapshotCount > 0) {
            ByteBuffer t = ByteBuffer.allocate((int) Math.min(file.size() - header.snapshotsOffset,
                    (long) header.snapshotCount * Snapshot.MAX_ENTRY));
            file.read(t, header.snapshotsOffset);
            metadata.add(header.snapshotsOffset, Snapshot.tableBytes(t, header.snapshotCount));
        }
        for (Snapshot s : snapshots) {
            metadata.add(s.l1TableOffset(), s.l1Size() * 8L);
        }
        refcounts.track(metadata);
    }

    /** Refuses a data write of {@code bytes} at {@code host} that would land on metadata. */
    private void guard(long host, long bytes) throws MetadataOverlapException {
        if (metadata.overlaps(host, bytes)) {
            throw new MetadataOverlapException("an L2 entry points at metadata (cluster 0x"
                    + Long.toHexString(host & -clusterSize) + ")");
        }
    }

    /** Marks the image corrupt (in the file too, once), with one line in the log; the exception to throw. */
    private Qcow2Exception markCorrupt(MetadataOverlapException e) {
        if (!markedCorrupt) {
            markedCorrupt = true;
            incompatible |= Header.INCOMPAT_CORRUPT;
            LOG.error("qcow2: {} is corrupt: {}; marked corrupt, writes refused", path, e.getMessage());
            try {
                if (header.version >= 3) {
                    file.write(ByteBuffer.allocate(8).putLong(0, incompatible), Header.OFF_INCOMPAT);
                    file.sync();
                }
            } catch (IOException io) {
                LOG.error("qcow2: cannot mark {} corrupt: {}", path, io.getMessage());
            }
        }
        return new Qcow2Exception(path + " is corrupt: " + e.getMessage() + "; marked corrupt, writes refused");
    }

    /** A free cluster, now counted, that holds no metadata. */
    private long allocate() throws Qcow2Exception, IOException {
        long c = refcounts.allocate();
        guard(c, clusterSize);
        return c;
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
        boolean counted = refcounts.writeBack();
        if (!tables.changed()) {
            return;
        }
        if (writer.padded || counted && !setDirty) { // without the dirty bit, counts must be durable before entries
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
        if (markedCorrupt) {
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
        try {
            while (src.hasRemaining()) {
                int n = Math.min(src.remaining(), clusterSize - (int) (offset & (clusterSize - 1)));
                int limit = src.limit();
                src.limit(src.position() + n);
                writer.writePiece(offset, src);
                src.limit(limit);
                offset += n;
            }
            run.flush();
            persist();
        } catch (MetadataOverlapException e) {
            throw markCorrupt(e);
        } catch (IOException e) {
            persistAfterFailure();
            throw Images.ioError("cannot write " + path, e);
        } finally {
            run.forget();
        }
    }

    /**
     * Data-cluster writes go to {@code fd}, an O_DIRECT descriptor of this image's file that the caller keeps
     * open until {@link #close}, whenever their memory is native and their range 512-byte aligned (see
     * {@link ClusterWriter#directData}).
     */
    public synchronized void directData(int fd) {
        writer.directData(fd);
    }

    private void freeLater(long offset, long bytes) {
        frees.add(offset, bytes);
    }

    /**
     * Makes {@code length} bytes from {@code offset} read as zeroes, deallocating whole clusters (a zero
     * cluster where a backing file would show through, where the version has them). For DISCARD and
     * WRITE_ZEROES alike.
     */
    public synchronized void zeroRange(long offset, long length) throws Qcow2Exception {
        checkWritable(offset, length);
        try {
            long end = offset + length;
            while (offset < end) {
                int inCluster = (int) (offset & (clusterSize - 1));
                int n = (int) Math.min(end - offset, clusterSize - inCluster);
                writer.zeroPiece(offset, n, n == clusterSize || offset + n == header.size && inCluster == 0);
                offset += n;
            }
            run.flush();
            persist();
        } catch (MetadataOverlapException e) {
            throw markCorrupt(e);
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
            durable = frees.added();
        }
        try {
            file.sync();
        } catch (IOException e) {
            throw Images.ioError("cannot flush " + path, e);
        }
        synchronized (this) {
            checkOpen();
            try {
                frees.release(durable, freeSink);
                refcounts.writeBack(); // the frees: in the file, not synced (a crash before the next sync leaks them)
            } catch (IOException e) {
                throw Images.ioError("cannot flush " + path, e);
            }
        }
    }

    /** Ranges dropped by entries and not freed yet (for tests and diagnostics). */
    public synchronized int waitingFrees() {
        return frees.waiting();
    }

    /** Drops one reference to each cluster of the range; a cluster no longer referenced is no metadata. */
    private void free(long offset, long bytes) throws Qcow2Exception, IOException {
        refcounts.add(offset, bytes, -1);
        for (long c = offset & -clusterSize; c < offset + bytes; c += clusterSize) {
            if (refcounts.get(c >>> clusterBits) == 0) {
                metadata.remove(c, clusterSize);
            }
        }
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
                        && (tables.l1()[tables.l1Index(at)] & Entries.COPIED) == 0 || write && markedCorrupt) {
                    return -1;
                }
                if (write) {
                    guard(host, clusterSize);
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
            return first | (long) frees.begin() << DIRECT_EPOCH_SHIFT;
        } catch (MetadataOverlapException e) {
            throw markCorrupt(e);
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
        frees.end((int) (mapped >>> DIRECT_EPOCH_SHIFT));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            if (!readOnly) {
                flush();
                if (frees.inFlight() == 0) {
                    frees.releaseAll(freeSink);
                    refcounts.writeBack();
                } else {
                    LOG.warn("qcow2: {} closed with {} direct I/Os in flight: the clusters it freed leak",
                            path, frees.inFlight());
                }
                if (setDirty) {
                    file.write(ByteBuffer.allocate(8).putLong(0, incompatible & ~Header.INCOMPAT_DIRTY),
                            Header.OFF_INCOMPAT);
                    file.sync();
                }
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
        return refcounts != null ? refcounts : Refcounts.load(file, header);
    }
}
