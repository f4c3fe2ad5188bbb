package io.jublk.target.qcow2.image;

/**
 * The clusters that hold the image's metadata (header, L1 table, refcount table and blocks, active L2 tables,
 * snapshot table and snapshot L1 tables), as QEMU's overlap checks know them: no data write may land there.
 * An open-addressing set of cluster numbers (linear probing, backward-shift deletion): lookups allocate
 * nothing, for the fast path. Callers hold the image's lock.
 */
final class MetadataClusters {
    private final int clusterBits;
    /** Cluster number + 1; 0 is an empty slot. */
    private long[] slots = new long[256];
    private int size;

    MetadataClusters(int clusterBits) {
        this.clusterBits = clusterBits;
    }

    /** Adds every cluster of {@code bytes} bytes from {@code offset}. */
    void add(long offset, long bytes) {
        for (long c = offset >>> clusterBits; bytes > 0 && c <= (offset + bytes - 1) >>> clusterBits; c++) {
            addCluster(c);
        }
    }

    /** Removes every cluster of {@code bytes} bytes from {@code offset}. */
    void remove(long offset, long bytes) {
        for (long c = offset >>> clusterBits; bytes > 0 && c <= (offset + bytes - 1) >>> clusterBits; c++) {
            removeCluster(c);
        }
    }

    /** Whether any cluster of {@code bytes} bytes from {@code offset} holds metadata. */
    boolean overlaps(long offset, long bytes) {
        for (long c = offset >>> clusterBits; bytes > 0 && c <= (offset + bytes - 1) >>> clusterBits; c++) {
            if (find(c) >= 0) {
                return true;
            }
        }
        return false;
    }

    int size() {
        return size;
    }

    private int home(long cluster) {
        long h = (cluster + 1) * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & (slots.length - 1);
    }

    private int find(long cluster) {
        for (int i = home(cluster); ; i = (i + 1) & (slots.length - 1)) {
            if (slots[i] == 0) {
                return -1;
            }
            if (slots[i] == cluster + 1) {
                return i;
            }
        }
    }

    private void addCluster(long cluster) {
        if (find(cluster) >= 0) {
            return;
        }
        if ((size + 1) * 2 > slots.length) {
            long[] old = slots;
            slots = new long[old.length * 2];
            size = 0;
            for (long s : old) {
                if (s != 0) {
                    addCluster(s - 1);
                }
            }
        }
        int i = home(cluster);
        while (slots[i] != 0) {
            i = (i + 1) & (slots.length - 1);
        }
        slots[i] = cluster + 1;
        size++;
    }

    private void removeCluster(long cluster) {
        int hole = find(cluster);
        if (hole < 0) {
            return;
        }
        slots[hole] = 0;
        size--;
        // shift back the entries after the hole whose home lies at or before it (cyclically)
        for (int i = (hole + 1) & (slots.length - 1); slots[i] != 0; i = (i + 1) & (slots.length - 1)) {
            int h = home(slots[i] - 1);
            boolean movable = hole <= i ? h <= hole || h > i : h <= hole && h > i;
            if (movable) {
                slots[hole] = slots[i];
                slots[i] = 0;
                hole = i;
            }
        }
    }
}
