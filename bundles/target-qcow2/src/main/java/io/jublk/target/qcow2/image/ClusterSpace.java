package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.format.Entries;
import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.target.qcow2.format.Snapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where an image's clusters come from and go back to: the refcounts, the clusters that hold metadata (no data
 * write may land on one: QEMU's overlap checks) and the frees deferred until the entries that dropped them
 * are durable and no direct I/O handed out before them needs them. Callers hold the image's lock, but for
 * {@link #endDirect}.
 */
final class ClusterSpace implements ClusterWriter.Owner {
    private final Storage file;
    private final Header header;
    private final int clusterBits;
    private final int clusterSize;
    private final DeferredFrees frees = new DeferredFrees();
    private final DeferredFrees.Sink freeSink = this::free;
    /** The counts kept while open for writing ({@link #load}); null while read-only. */
    private Refcounts refcounts;
    /** The metadata clusters no data write may touch; null while read-only. */
    private MetadataClusters metadata;

    ClusterSpace(Storage file, Header header) {
        this.file = file;
        this.header = header;
        this.clusterBits = header.clusterBits;
        this.clusterSize = header.clusterSize();
    }

    /** Loads the refcounts to keep while the image is open for writing. */
    void load() throws Qcow2Exception, IOException {
        refcounts = Refcounts.load(file, header);
    }

    /** The refcounts: the ones kept for writing, else read now (a read-only image keeps none). */
    Refcounts refcounts() throws Qcow2Exception, IOException {
        return refcounts != null ? refcounts : Refcounts.load(file, header);
    }

    /** From now on, refuses data writes on the metadata clusters of the file as it is: header, tables, blocks. */
    void trackMetadata(long[] l1, List<Snapshot> snapshots) throws IOException {
        metadata = new MetadataClusters(clusterBits);
        metadata.add(0, clusterSize);
        metadata.add(header.l1TableOffset, header.l1Size * 8L);
        for (long e : l1) {
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
    @Override
    public void guard(long host, long bytes) throws MetadataOverlapException {
        if (metadata.overlaps(host, bytes)) {
            throw new MetadataOverlapException("an L2 entry points at metadata (cluster 0x"
                    + Long.toHexString(host & -clusterSize) + ")");
        }
    }

    /** A free cluster, now counted, that holds no metadata. */
    @Override
    public long allocate() throws Qcow2Exception, IOException {
        long c = refcounts.allocate();
        guard(c, clusterSize);
        return c;
    }

    /** A free cluster, now counted, for a new L2 table: metadata from now on. */
    long allocateTable() throws Qcow2Exception, IOException {
        long c = allocate();
        metadata.add(c, clusterSize);
        return c;
    }

    @Override
    public boolean lastAllocationPastEnd() {
        return refcounts.lastPastEnd();
    }

    @Override
    public void freeLater(long offset, long bytes) {
        frees.add(offset, bytes);
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

    /** Writes the changed refcounts to the file (not synced); whether there were any. */
    boolean writeBack() throws IOException {
        return refcounts.writeBack();
    }

    /** Writes the changed refcounts to the file and syncs it. */
    void writeBackAndSync() throws IOException {
        refcounts.writeBackAndSync();
    }

    /** A direct I/O starts: its epoch, for {@link #endDirect}. */
    int beginDirect() {
        return frees.begin();
    }

    /** The direct I/O begun in {@code epoch} has ended; from any thread. */
    void endDirect(int epoch) {
        frees.end(epoch);
    }

    /** How many ranges were ever dropped: taken before a sync, what that sync made durable. */
    long dropped() {
        return frees.added();
    }

    /** Frees the ranges of the first {@code durable} dropped that no direct I/O needs, in the file (not synced). */
    void release(long durable) throws Qcow2Exception, IOException {
        frees.release(durable, freeSink);
        refcounts.writeBack(); // a crash before the next sync leaks them, no more
    }

    /**
     * On a clean close: frees every dropped range, unless direct I/O is still in flight (then they leak).
     *
     * @return the direct I/Os in flight, 0 when all was freed
     */
    int releaseAll() throws Qcow2Exception, IOException {
        int inFlight = frees.inFlight();
        if (inFlight == 0) {
            frees.releaseAll(freeSink);
            refcounts.writeBack();
        }
        return inFlight;
    }

    /** Ranges dropped and not freed yet. */
    int waiting() {
        return frees.waiting();
    }
}
