package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.cache.Table;
import io.jublk.target.qcow2.cache.TableCache;
import io.jublk.target.qcow2.format.Entries;
import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;

/**
 * The active L1 table (in memory, written through) and the L2 tables (a bounded cache): finding an offset's
 * table and entry, making a table of its own for a write (a new one, or a copy of one a snapshot shares),
 * changing entries and writing the changed bytes back. The image's lock guards it.
 */
final class L2Tables {
    /** The image's write-back of every pending metadata change (when the cache is full of changed tables). */
    interface Persist {
        void persist() throws IOException;
    }

    private final Path path;
    private final Storage file;
    /** New tables' clusters, and the frees of tables no longer linked. */
    private final ClusterSpace space;
    private final Persist persist;
    private final int clusterBits;
    private final int clusterSize;
    private final int l2Bits;
    private final boolean extL2;
    private final int version;
    private final long l1Offset;
    private final long[] l1;
    private final TableCache cache;
    /** Tables with entries the file does not have yet (and maybe some written since). */
    private final ArrayList<Table> dirty = new ArrayList<>(16);

    L2Tables(Path path, Storage file, Header h, long[] l1, int cacheTables, ClusterSpace space, Persist persist) {
        this.path = path;
        this.file = file;
        this.space = space;
        this.persist = persist;
        this.clusterBits = h.clusterBits;
        this.clusterSize = h.clusterSize();
        this.extL2 = h.extendedL2();
        this.l2Bits = clusterBits - (extL2 ? 4 : 3);
        this.version = h.version;
        this.l1Offset = h.l1TableOffset;
        this.l1 = l1;
        this.cache = new TableCache(cacheTables);
    }

    long[] l1() {
        return l1;
    }

    int l1Index(long offset) {
        return (int) (offset >>> (clusterBits + l2Bits));
    }

    int l2Index(long offset) {
        return (int) ((offset >>> clusterBits) & ((1 << l2Bits) - 1));
    }

    long entry(Table l2, int index) {
        return l2.getLong(extL2 ? index * 2 : index);
    }

    /** The subcluster bitmap of an extended entry. */
    long bitmap(Table l2, int index) {
        return l2.getLong(index * 2 + 1);
    }

    /** The host cluster of a standard entry, after checking its reserved bits. */
    long hostOffset(long entry, long offset) throws Qcow2Exception {
        long host = entry & Entries.OFFSET_MASK;
        long reserved = entry & ~(Entries.COPIED | Entries.OFFSET_MASK | (extL2 || version == 2 ? 0
                : Entries.ZERO));
        if (reserved != 0 || (host & (clusterSize - 1)) != 0) {
            throw corrupt("invalid L2 entry 0x" + Long.toHexString(entry) + " for offset 0x"
                    + Long.toHexString(offset));
        }
        return host;
    }

    /** The L2 table of {@code offset}; for a write it exists and is the image's own (COPIED). */
    Table l2For(long offset, boolean write) throws Qcow2Exception, IOException {
        int i = l1Index(offset);
        long e = l1[i];
        long at = e & Entries.OFFSET_MASK;
        if (!write) {
            return at == 0 ? null : loadL2(at);
        }
        if (at != 0 && (e & Entries.COPIED) != 0) {
            return loadL2(at);
        }
        // a new table, or a copy of one shared with a snapshot: durable before the L1 entry points at it
        byte[] bytes = new byte[clusterSize];
        if (at != 0) {
            System.arraycopy(loadL2(at).bytes(), 0, bytes, 0, clusterSize);
        }
        long host = space.allocateTable();
        file.write(ByteBuffer.wrap(bytes), host);
        space.writeBackAndSync(); // the table's bytes and its count, before the L1 entry links it
        l1[i] = host | Entries.COPIED;
        file.write(ByteBuffer.allocate(8).putLong(0, l1[i]), l1Offset + i * 8L);
        if (at != 0) {
            space.freeLater(at, clusterSize);
        }
        Table t = new Table(host, bytes);
        cache(t);
        return t;
    }

    Table loadL2(long at) throws Qcow2Exception, IOException {
        Table t = cache.get(at);
        if (t != null) {
            return t;
        }
        if (at + clusterSize > file.size()) {
            throw corrupt("L2 table at 0x" + Long.toHexString(at) + " lies beyond the end of the file");
        }
        byte[] bytes = new byte[clusterSize];
        file.read(ByteBuffer.wrap(bytes), at);
        t = new Table(at, bytes);
        cache(t);
        return t;
    }

    /**
     * Caches {@code t}, evicting the least recently used clean table; when every table is changed, all
     * pending metadata is written first, and the least recently used one goes.
     */
    private void cache(Table t) throws IOException {
        if (cache.full()) {
            Table victim = cache.eldestClean();
            if (victim == null) {
                persist.persist();
                victim = cache.eldest();
            }
            cache.remove(victim.offset());
        }
        cache.put(t);
    }

    /** Sets entry {@code index} of {@code l2} (and its bitmap, with extended entries); written back later. */
    void setEntry(Table l2, int index, long entry, long bitmap) {
        boolean wasClean;
        if (extL2) {
            l2.setLong(index * 2, entry);
            l2.setLong(index * 2 + 1, bitmap);
            wasClean = l2.touch(index * 16, 16);
        } else {
            l2.setLong(index, entry);
            wasClean = l2.touch(index * 8, 8);
        }
        if (wasClean) {
            dirty.add(l2);
        }
    }

    /** Whether some table holds entries the file does not have yet. */
    boolean changed() {
        return !dirty.isEmpty();
    }

    /** Writes the changed bytes of every table (not synced). */
    void writeBack() throws IOException {
        for (int i = 0; i < dirty.size(); i++) {
            Table t = dirty.get(i);
            if (t.dirty()) {
                ByteBuffer changed = t.dirtyRange();
                file.write(changed, t.offset() + changed.position());
                t.dirty(false);
            }
        }
        dirty.clear();
    }

    private Qcow2Exception corrupt(String what) {
        return new Qcow2Exception(path + " is corrupt: " + what);
    }
}
