package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.cache.Table;
import io.jublk.target.qcow2.cache.TableCache;
import io.jublk.target.qcow2.format.Entries;
import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The refcount table (all of it in memory) and its blocks (a bounded cache), and cluster allocation.
 * Changes stay in the cached blocks until {@link #writeBack()} (the image calls it before every write it
 * acknowledges: the changed bytes, not synced) or the block's eviction. While the image is open for writing
 * its dirty bit is set, so a power cut that leaves a refcount behind its references is repaired on the next
 * open; the orderings that a repair cannot undo are kept with syncs: a new refcount block is durable before
 * the table entry that links it, and growth of the table writes the new blocks and table, syncs, switches
 * the header, syncs, and only then frees the old table. Callers hold the image's lock.
 */
final class Refcounts {
    private final Storage file;
    private final int clusterBits;
    private final int clusterSize;
    private final int bits;
    private final long max;
    private final int blockEntries;
    private final TableCache blocks;
    private long[] table;
    private long tableOffset;
    private int tableClusters;
    /** First cluster past every cluster the file holds or that was allocated. */
    private long end;
    /** No free cluster below this one. */
    private long freeHint;
    /** The last allocated cluster lay past the end of the file: it reads as zeroes without being written. */
    private boolean lastPastEnd;
    /** The image's metadata clusters, kept up to date with the table and blocks; null when not tracked. */
    private MetadataClusters metadata;
    /** The cached blocks holding changes the file does not have yet (and maybe some written since). */
    private final java.util.ArrayList<Table> dirty = new java.util.ArrayList<>(64);

    private Refcounts(Storage file, Header h, long[] table, long fileSize) {
        this.file = file;
        this.clusterBits = h.clusterBits;
        this.clusterSize = h.clusterSize();
        this.bits = h.refcountBits();
        this.max = bits == 64 ? Long.MAX_VALUE : (1L << bits) - 1;
        this.blockEntries = (int) ((long) clusterSize * 8 / bits);
        this.blocks = new TableCache(Math.max(8, (1 << 20) / clusterSize));
        this.table = table;
        this.tableOffset = h.refcountTableOffset;
        this.tableClusters = h.refcountTableClusters;
        this.end = (fileSize + clusterSize - 1) >> clusterBits;
    }

    static Refcounts load(Storage file, Header h) throws Qcow2Exception, IOException {
        long fileSize = file.size();
        int entries = (h.refcountTableClusters << h.clusterBits) / 8;
        ByteBuffer b = ByteBuffer.allocate(entries * 8);
        file.read(b, h.refcountTableOffset);
        long[] table = new long[entries];
        for (int i = 0; i < entries; i++) {
            long e = b.getLong(i * 8);
            if (e != 0) {
                long off = e & Entries.OFFSET_MASK;
                if (e != off || (off & (h.clusterSize() - 1)) != 0) {
                    throw new Qcow2Exception("refcount table entry " + i + " is invalid: 0x" + Long.toHexString(e));
                }
                if (off >= fileSize) {
                    throw new Qcow2Exception("refcount block " + i + " at 0x" + Long.toHexString(off)
                            + " lies beyond the end of the file");
                }
            }
            table[i] = e;
        }
        return new Refcounts(file, h, table, fileSize);
    }

    /** Adds the table and blocks to {@code m}, and from now on the ones this class makes or frees. */
    void track(MetadataClusters m) {
        metadata = m;
        m.add(tableOffset, (long) tableClusters << clusterBits);
        for (long e : table) {
            if (e != 0) {
                m.add(e, clusterSize);
            }
        }
    }

    int blockEntries() {
        return blockEntries;
    }

    long[] table() {
        return table;
    }

    long tableOffset() {
        return tableOffset;
    }

    int tableClusters() {
        return tableClusters;
    }

    /** The refcount of {@code cluster} (0 where no block covers it). */
    long get(long cluster) throws Qcow2Exception, IOException {
        long index = cluster / blockEntries;
        if (index >= table.length || table[(int) index] == 0) {
            return 0;
        }
        return block(table[(int) index]).getBits((int) (cluster % blockEntries), bits);
    }

    /** Adds {@code delta} to the refcount of each cluster of the byte range; writes through. */
    void add(long offset, long bytes, int delta) throws Qcow2Exception, IOException {
        long first = offset >> clusterBits;
        long last = (offset + bytes - 1) >> clusterBits;
        for (long c = first; c <= last; c++) {
            addOne(c, delta);
        }
    }

    private void addOne(long cluster, int delta) throws Qcow2Exception, IOException {
        long index = cluster / blockEntries;
        if (index >= table.length || table[(int) index] == 0) {
            throw new Qcow2Exception("cluster 0x" + Long.toHexString(cluster << clusterBits)
                    + " has no refcount block: the image is corrupt");
        }
        Table block = block(table[(int) index]);
        int at = (int) (cluster % blockEntries);
        long value = block.getBits(at, bits) + delta;
        if (value < 0) {
            throw new Qcow2Exception("refcount of cluster 0x" + Long.toHexString(cluster << clusterBits)
                    + " would drop below zero: the image is corrupt");
        }
        if (value > max) {
            throw new Qcow2Exception("refcount of cluster 0x" + Long.toHexString(cluster << clusterBits)
                    + " would overflow " + bits + " bits");
        }
        block.setBits(at, bits, value);
        if (block.touch(Table.bytePosition(at, bits), Table.byteCount(bits))) {
            dirty.add(block);
        }
        if (value == 0 && cluster < freeHint) {
            freeHint = cluster;
        }
    }

    /** Writes the changed bytes of every block to the file (not synced); returns whether there were any. */
    boolean writeBack() throws IOException {
        boolean wrote = false;
        for (int i = 0; i < dirty.size(); i++) {
            wrote |= dirty.get(i).dirty();
            writeBack(dirty.get(i));
        }
        dirty.clear();
        return wrote;
    }

    /** {@link #writeBack()}, then a sync of the file: afterwards anything may point at a cluster counted so far. */
    void writeBackAndSync() throws IOException {
        writeBack();
        file.sync();
    }

    private void writeBack(Table block) throws IOException {
        if (block.dirty()) {
            ByteBuffer changed = block.dirtyRange();
            file.write(changed, block.offset() + changed.position());
            block.dirty(false);
        }
    }

    /** Whether the cluster the last {@link #allocate()} returned lay past the end of the file. */
    boolean lastPastEnd() {
        return lastPastEnd;
    }

    /**
     * A free cluster, now counted once (written, not synced). Makes a refcount block, or grows the table,
     * when the free cluster has none.
     */
    long allocate() throws Qcow2Exception, IOException {
        for (;;) {
            long c = freeHint;
            // past the end of the file too: a crash may have left counted clusters there (leaks)
            while (get(c) != 0) {
                c++;
            }
            freeHint = c;
            if (metadata != null && metadata.overlaps(c << clusterBits, clusterSize)) {
                throw new MetadataOverlapException("cluster 0x" + Long.toHexString(c << clusterBits)
                        + " holds metadata but its refcount is 0");
            }
            long index = c / blockEntries;
            if (index >= table.length) {
                grow(c);
                continue;
            }
            if (table[(int) index] == 0) {
                newBlockAt(c, index);
                continue;
            }
            addOne(c, 1);
            lastPastEnd = c >= end;
            end = Math.max(end, c + 1);
            freeHint = c + 1;
            return c << clusterBits;
        }
    }

    /**
     * A refcount block at free cluster {@code c} that covers itself: written, synced, then linked and synced
     * (a repair after a power cut can raise counts in a block, not find a block the table lost).
     */
    private void newBlockAt(long c, long index) throws IOException {
        byte[] bytes = new byte[clusterSize];
        Table block = new Table(c << clusterBits, bytes);
        block.setBits((int) (c % blockEntries), bits, 1);
        file.write(block.whole(), block.offset());
        file.sync();
        table[(int) index] = block.offset();
        ByteBuffer e = ByteBuffer.allocate(8).putLong(0, block.offset());
        file.write(e, tableOffset + index * 8);
        file.sync();
        if (metadata != null) {
            metadata.add(block.offset(), clusterSize);
        }
        cache(block);
        end = Math.max(end, c + 1);
    }

    /**
     * A larger refcount table that covers {@code needed}, in a fresh region at the end of the file holding
     * the new table and the new blocks that count the region itself.
     */
    private void grow(long needed) throws Qcow2Exception, IOException {
        long start = end;
        long entries = Math.max(table.length * 2L, needed / blockEntries + 1);
        int newBlocks = 0;
        long tableBytes;
        for (;;) {
            tableBytes = ((entries * 8 + clusterSize - 1) >> clusterBits) << clusterBits;
            long regionEnd = start + newBlocks + (tableBytes >> clusterBits);
            long lastIndex = (regionEnd - 1) / blockEntries;
            if (lastIndex >= entries) {
                entries = lastIndex + 1;
                continue;
            }
            int blocksNeeded = 0;
            for (long i = start / blockEntries; i <= lastIndex; i++) {
                if (i >= table.length || table[(int) i] == 0) {
                    blocksNeeded++;
                }
            }
            if (blocksNeeded == newBlocks) {
                break;
            }
            newBlocks = blocksNeeded;
        }
        if (tableBytes > 8L << 20) {
            throw new Qcow2Exception("the refcount table would exceed 8 MiB: the image is too large");
        }
        long tableAt = (start + newBlocks) << clusterBits;
        long regionEnd = start + newBlocks + (tableBytes >> clusterBits);
        long[] grown = new long[(int) (tableBytes / 8)];
        System.arraycopy(table, 0, grown, 0, table.length);
        // the region's blocks (new ones first in the region, then existing ones), each counting its clusters
        Map<Long, Table> regionBlocks = new java.util.TreeMap<>();
        long next = start;
        for (long i = start / blockEntries; i <= (regionEnd - 1) / blockEntries; i++) {
            if (i < table.length && table[(int) i] != 0) {
                regionBlocks.put(i, block(table[(int) i]));
            } else {
                Table block = new Table(next << clusterBits, new byte[clusterSize]);
                grown[(int) i] = block.offset();
                next++;
                regionBlocks.put(i, block);
            }
        }
        for (long c = start; c < regionEnd; c++) {
            regionBlocks.get(c / blockEntries).setBits((int) (c % blockEntries), bits, 1);
        }
        for (Table block : regionBlocks.values()) {
            file.write(block.whole(), block.offset());
            block.dirty(false);
            cache(block);
        }
        ByteBuffer t = ByteBuffer.allocate((int) tableBytes);
        for (long e : grown) {
            t.putLong(e);
        }
        t.flip();
        file.write(t, tableAt);
        file.sync();
        ByteBuffer h = ByteBuffer.allocate(12).putLong(0, tableAt).putInt(8, (int) (tableBytes >> clusterBits));
        file.write(h, Header.OFF_REFTABLE);
        file.sync();
        long oldOffset = tableOffset;
        int oldClusters = tableClusters;
        table = grown;
        tableOffset = tableAt;
        tableClusters = (int) (tableBytes >> clusterBits);
        end = regionEnd;
        add(oldOffset, (long) oldClusters << clusterBits, -1);
        if (metadata != null) {
            metadata.add(start << clusterBits, (regionEnd - start) << clusterBits);
            metadata.remove(oldOffset, (long) oldClusters << clusterBits);
        }
    }

    private Table block(long offset) throws Qcow2Exception, IOException {
        Table b = blocks.get(offset);
        if (b == null) {
            if ((offset & (clusterSize - 1)) != 0) {
                throw new Qcow2Exception("refcount block at unaligned offset 0x" + Long.toHexString(offset));
            }
            byte[] bytes = new byte[clusterSize];
            file.read(ByteBuffer.wrap(bytes), offset);
            b = new Table(offset, bytes);
            cache(b);
        }
        return b;
    }

    private void cache(Table block) throws IOException {
        if (blocks.full() && blocks.get(block.offset()) == null) {
            Table eldest = blocks.eldest();
            writeBack(eldest); // not synced: nothing may rely on it before the image's next write-back or sync
            blocks.remove(eldest.offset());
        }
        blocks.put(block);
    }
}
