package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.cache.Table;
import io.jublk.target.qcow2.format.Entries;
import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Writing one cluster's piece of a write or a zeroing: in place in a cluster the image owns, into a new
 * cluster (the caller's bytes gathered into runs, {@link DataRun}), by copy-on-write, or by filling new
 * subclusters; and zeroing whole clusters by their entries. Entries change in {@link L2Tables}; the image
 * writes them back ({@link #padded} says whether a sync must come first). The image's lock guards it.
 */
final class ClusterWriter {
    /** What the writer needs from the image. */
    interface Owner {
        /** A free cluster, now counted, that holds no metadata. */
        long allocate() throws Qcow2Exception, IOException;

        /** Whether the last cluster allocated lay past the end of the file (it reads as zeroes unwritten). */
        boolean lastAllocationPastEnd();

        /** Refuses a data write that would land on metadata. */
        void guard(long host, long bytes) throws MetadataOverlapException;

        /** Frees a range once the entry that dropped it is durable. */
        void freeLater(long offset, long bytes);
    }

    private final Storage file;
    private final L2Tables tables;
    private final ClusterReader reader;
    private final Owner owner;
    private final boolean hasBacking;
    private final int version;
    private final int clusterBits;
    private final int clusterSize;
    private final boolean extL2;
    private final int subclusterSize;
    /** One cluster of aligned native memory for copy-on-write and zero-padded new clusters. */
    private final Arena scratchArena = Arena.ofShared();
    private final ByteBuffer scratch;
    /** An O_DIRECT fd on the image's file for data-cluster writes (the caller's), or -1: see {@link #directData}. */
    private int directFd = -1;
    /** The caller's bytes of the current write, gathered into one write per run of consecutive clusters. */
    final DataRun run = new DataRun(this::writeData);
    /** Since the image last wrote entries back: an allocating write wrote bytes of its own (copy-on-write, padding). */
    boolean padded;

    ClusterWriter(Storage file, Header h, L2Tables tables, ClusterReader reader, boolean hasBacking, Owner owner) {
        this.file = file;
        this.tables = tables;
        this.reader = reader;
        this.owner = owner;
        this.hasBacking = hasBacking;
        this.version = h.version;
        this.clusterBits = h.clusterBits;
        this.clusterSize = h.clusterSize();
        this.extL2 = h.extendedL2();
        this.subclusterSize = clusterSize / 32;
        this.scratch = scratchArena.allocate(clusterSize, 4096).asByteBuffer();
    }

    /**
     * Makes {@code n} bytes at {@code offset}, inside one cluster, read as zeroes: a whole cluster (or the
     * disk's last, partial one) by its entry, else with written zeroes where it does not read as zeroes yet.
     */
    void zeroPiece(long offset, int n, boolean wholeCluster) throws Qcow2Exception, IOException {
        if (wholeCluster) {
            zeroCluster(offset);
        } else if (!readsAsZero(offset)) {
            writePiece(offset, ByteBuffer.allocate(n));
        }
    }

    void writePiece(long offset, ByteBuffer src) throws Qcow2Exception, IOException {
        int inCluster = (int) (offset & (clusterSize - 1));
        int n = src.remaining();
        Table l2 = tables.l2For(offset, true);
        int index = tables.l2Index(offset);
        long entry = tables.entry(l2, index);
        long bitmap = extL2 ? tables.bitmap(l2, index) : 0;
        boolean compressed = Entries.compressed(entry);
        long host = compressed ? 0 : tables.hostOffset(entry, offset);
        boolean own = !compressed && host != 0 && (entry & Entries.COPIED) != 0;
        if (own) {
            owner.guard(host, clusterSize);
        }
        if (own && writesInPlace(entry, bitmap, inCluster, n)) {
            run.add(src, host + inCluster);
            return;
        }
        long start = offset - inCluster;
        if (own && extL2) {
            allocateSubclusters(l2, index, entry, bitmap, start, inCluster, src);
            return;
        }
        if (!own && n < clusterSize && readsAsZero(start)) {
            long target = owner.allocate();
            if (owner.lastAllocationPastEnd()) {
                // a new cluster past the end of the file reads as zeroes already: write just the new bytes
                run.add(src, target + inCluster);
                tables.setEntry(l2, index, target | Entries.COPIED, Entries.ALL_ALLOCATED);
                freeEntryLater(entry);
                return;
            }
            scratch.clear();
            MemorySegment.ofBuffer(scratch).fill((byte) 0);
            scratch.put(inCluster, src, src.position(), n);
            src.position(src.position() + n);
            writeData(scratch, target);
            padded = true; // a reused cluster: its old bytes must not show through the new entry
            tables.setEntry(l2, index, target | Entries.COPIED, Entries.ALL_ALLOCATED);
            freeEntryLater(entry);
            return;
        }
        if (!own && n == clusterSize) {
            long target = owner.allocate(); // a whole new cluster: straight from the caller's bytes
            run.add(src, target);
            tables.setEntry(l2, index, target | Entries.COPIED, Entries.ALL_ALLOCATED);
            freeEntryLater(entry);
            return;
        }
        // copy-on-write: the whole cluster as it reads now, with the new bytes over it
        ByteBuffer whole = scratch.clear();
        if (n < clusterSize) {
            reader.readPiece(start, whole);
            whole.clear();
        }
        whole.put(inCluster, src, src.position(), n);
        src.position(src.position() + n);
        long target = own ? host : owner.allocate();
        writeData(whole, target);
        padded |= n < clusterSize;
        tables.setEntry(l2, index, target | Entries.COPIED, Entries.ALL_ALLOCATED);
        if (!own) {
            freeEntryLater(entry);
        }
    }

    /**
     * A write into subclusters of a cluster the image owns, some of them not allocated yet: writes the
     * caller's bytes and fills the rest of the new subclusters only (as they read now: zeroes or the backing
     * file), never the allocated subclusters around them, where a direct write from {@link Qcow2Image#mapDirect} may
     * be in flight.
     */
    private void allocateSubclusters(Table l2, int index, long entry, long bitmap, long start, int inCluster,
                                     ByteBuffer src) throws Qcow2Exception, IOException {
        int n = src.remaining();
        int first = inCluster / subclusterSize;
        int last = (inCluster + n - 1) / subclusterSize;
        int from = (bitmap & (1L << first)) != 0 ? inCluster : first * subclusterSize;
        int to = (bitmap & (1L << last)) != 0 ? inCluster + n : (last + 1) * subclusterSize;
        ByteBuffer b = scratch.clear();
        if (from < inCluster) {
            b.limit(inCluster - from);
            reader.readPiece(start + from, b);
        }
        b.limit(to - from);
        b.put(inCluster - from, src, src.position(), n);
        src.position(src.position() + n);
        if (inCluster + n < to) {
            b.position(inCluster + n - from);
            reader.readPiece(start + inCluster + n, b);
        }
        b.limit(to - from).position(0);
        writeData(b, (entry & Entries.OFFSET_MASK) + from);
        padded |= from < inCluster || inCluster + n < to;
        long mask = (last == 31 ? 0xffffffffL : (1L << (last + 1)) - 1) & ~((1L << first) - 1);
        tables.setEntry(l2, index, entry, (bitmap | mask) & ~(mask << 32));
    }

    /**
     * Data-cluster writes go to {@code fd}, an O_DIRECT descriptor of this image's file that the caller keeps
     * open until the image is closed, whenever their memory is native and their range 512-byte aligned: they bypass
     * the page cache, so the image's new clusters cause no write-back storms and no dirty-page throttling of
     * the writing thread. Metadata stays buffered; the kernel keeps the two coherent.
     */
    void directData(int fd) {
        directFd = fd;
    }

    /** Writes all of {@code src} (a data cluster's bytes) at {@code position}, through O_DIRECT where it can. */
    private void writeData(ByteBuffer src, long position) throws IOException {
        if (directFd < 0 || !src.isDirect() || ((position | src.remaining()) & 511) != 0) {
            file.write(src, position);
            return;
        }
        MemorySegment data = MemorySegment.ofBuffer(src);
        if ((data.address() & 511) != 0) {
            file.write(src, position);
            return;
        }
        while (data.byteSize() > 0) {
            long n = Linux.pwrite(directFd, data, position);
            if (n <= 0) {
                throw new IOException("pwrite at " + position + " wrote nothing");
            }
            data = data.asSlice(n);
            position += n;
        }
        src.position(src.limit());
    }

    boolean writesInPlace(long entry, long bitmap, int inCluster, int n) {
        if (!extL2) {
            return (entry & Entries.ZERO) == 0;
        }
        int first = inCluster / subclusterSize;
        int last = (inCluster + n - 1) / subclusterSize;
        long mask = (last == 31 ? 0xffffffffL : (1L << (last + 1)) - 1) & ~((1L << first) - 1);
        return (bitmap & mask) == mask;
    }

    /** Frees what {@code entry} pointed at, once its replacement is durable. */
    private void freeEntryLater(long entry) {
        if (Entries.compressed(entry)) {
            owner.freeLater(Entries.compressedOffset(entry, clusterBits), Entries.compressedBytes(entry, clusterBits));
        } else {
            long host = entry & Entries.OFFSET_MASK;
            if (host != 0) {
                owner.freeLater(host, clusterSize);
            }
        }
    }

    private boolean readsAsZero(long offset) throws Qcow2Exception, IOException {
        Table l2 = tables.l2For(offset, false);
        if (l2 == null) {
            return !hasBacking;
        }
        int index = tables.l2Index(offset);
        long entry = tables.entry(l2, index);
        if (extL2) {
            long bitmap = tables.bitmap(l2, index);
            return !Entries.compressed(entry) && (bitmap == Entries.ALL_ZERO || bitmap == 0 && !hasBacking);
        }
        return !Entries.compressed(entry)
                && ((entry & Entries.ZERO) != 0 || (entry & Entries.OFFSET_MASK) == 0 && !hasBacking);
    }

    private void zeroCluster(long offset) throws Qcow2Exception, IOException {
        if (readsAsZero(offset)) {
            return;
        }
        if (version == 2 && hasBacking) {
            writePiece(offset, ByteBuffer.allocate(clusterSize)); // v2 has no zero clusters
            return;
        }
        Table l2 = tables.l2For(offset, true);
        int index = tables.l2Index(offset);
        long old = tables.entry(l2, index);
        if (!hasBacking) {
            tables.setEntry(l2, index, 0, 0);
        } else if (extL2) {
            tables.setEntry(l2, index, 0, Entries.ALL_ZERO);
        } else {
            tables.setEntry(l2, index, Entries.ZERO, 0);
        }
        freeEntryLater(old);
    }

    void close() {
        scratchArena.close();
    }
}
