package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.cache.Table;
import io.jublk.target.qcow2.format.Entries;
import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * How a cluster of the image reads now: from its host cluster, as zeroes, from the backing file, or
 * decompressed (the last compressed cluster is kept), subcluster by subcluster with extended L2 entries.
 * For reads and for the rest of a cluster that copy-on-write keeps. The image's lock guards it.
 */
final class ClusterReader {
    private final Path path;
    private final Storage file;
    private final L2Tables tables;
    private final ImageSource backing;
    private final int clusterBits;
    private final int clusterSize;
    private final boolean extL2;
    private final int subclusterSize;
    private final boolean zstd;
    private final ClusterDecompressor decompressor;
    private final byte[] decompressed;
    private long decompressedEntry = -1;

    ClusterReader(Path path, Storage file, Header h, L2Tables tables, ImageSource backing) {
        this.path = path;
        this.file = file;
        this.tables = tables;
        this.backing = backing;
        this.clusterBits = h.clusterBits;
        this.clusterSize = h.clusterSize();
        this.extL2 = h.extendedL2();
        this.subclusterSize = clusterSize / 32;
        this.zstd = h.zstd();
        this.decompressor = zstd ? new ZstdClusters() : ClusterDecompressor.deflate();
        this.decompressed = new byte[clusterSize];
    }

    /** Reads {@code dst.remaining()} bytes, all inside one cluster. */
    void readPiece(long offset, ByteBuffer dst) throws Qcow2Exception, IOException {
        Table l2 = tables.l2For(offset, false);
        if (l2 == null) {
            unallocated(offset, dst, dst.remaining());
            return;
        }
        int index = tables.l2Index(offset);
        long entry = tables.entry(l2, index);
        int inCluster = (int) (offset & (clusterSize - 1));
        if (Entries.compressed(entry)) {
            byte[] data = decompress(entry);
            dst.put(data, inCluster, dst.remaining());
            return;
        }
        long host = tables.hostOffset(entry, offset);
        if (!extL2) {
            if ((entry & Entries.ZERO) != 0) {
                zero(dst, dst.remaining());
            } else if (host == 0) {
                unallocated(offset, dst, dst.remaining());
            } else {
                file.read(dst, host + inCluster);
            }
            return;
        }
        long bitmap = tables.bitmap(l2, index);
        while (dst.hasRemaining()) {
            int sub = inCluster / subclusterSize;
            int n = Math.min(dst.remaining(), (sub + 1) * subclusterSize - inCluster);
            int limit = dst.limit();
            dst.limit(dst.position() + n);
            boolean allocated = (bitmap & (1L << sub)) != 0;
            boolean zero = (bitmap & (1L << (32 + sub))) != 0;
            if (allocated && zero) {
                throw corrupt("subcluster " + sub + " of the cluster at 0x" + Long.toHexString(offset)
                        + " is both allocated and zero");
            } else if (allocated) {
                if (host == 0) {
                    throw corrupt("allocated subclusters without a host cluster at 0x" + Long.toHexString(offset));
                }
                file.read(dst, host + inCluster);
            } else if (zero) {
                zero(dst, n);
            } else {
                unallocated(offset - (offset & (clusterSize - 1)) + inCluster, dst, n);
            }
            dst.limit(limit);
            inCluster += n;
        }
    }

    private void unallocated(long offset, ByteBuffer dst, int n) throws Qcow2Exception {
        if (backing == null || offset >= backing.virtualSize()) {
            zero(dst, n);
            return;
        }
        int fromBacking = (int) Math.min(n, backing.virtualSize() - offset);
        int limit = dst.limit();
        dst.limit(dst.position() + fromBacking);
        backing.read(offset, dst);
        dst.limit(limit);
        zero(dst, n - fromBacking);
    }

    static void zero(ByteBuffer dst, int n) {
        if (dst.hasArray()) {
            int at = dst.arrayOffset() + dst.position();
            java.util.Arrays.fill(dst.array(), at, at + n, (byte) 0);
            dst.position(dst.position() + n);
            return;
        }
        MemorySegment.ofBuffer(dst).asSlice(0, n).fill((byte) 0); // from the position on
        dst.position(dst.position() + n);
    }

    private byte[] decompress(long entry) throws Qcow2Exception, IOException {
        if (entry == decompressedEntry) {
            return decompressed;
        }
        long at = Entries.compressedOffset(entry, clusterBits);
        int bytes = Entries.compressedBytes(entry, clusterBits);
        if (at + bytes > file.size() + 512 || at < clusterSize) {
            throw corrupt("compressed cluster at 0x" + Long.toHexString(at) + " lies outside the file");
        }
        byte[] in = new byte[bytes];
        file.read(ByteBuffer.wrap(in), at);
        decompressedEntry = -1;
        if (!decompressor.decompress(in, decompressed)) {
            throw corrupt("compressed cluster at 0x" + Long.toHexString(at) + " does not decompress to "
                    + clusterSize + " bytes of " + (zstd ? "zstd" : "deflate") + " data");
        }
        decompressedEntry = entry;
        return decompressed;
    }

    private Qcow2Exception corrupt(String what) {
        return new Qcow2Exception(path + " is corrupt: " + what);
    }
}
