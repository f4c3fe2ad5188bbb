package io.jublk.target.qcow2.cache;

/**
 * At most {@code capacity} {@link Table}s by their offset in the file, forgetting the least recently used
 * one. It never evicts by itself: the owner asks for {@link #eldest()} or {@link #eldestClean()} when
 * {@link #full()}, writes it back if it must, then {@link #remove}s it. Lookups allocate nothing (long keys
 * in an open-addressing index, the recency list in int arrays): the direct I/O path maps through it.
 * Not thread-safe: the owner's lock guards it.
 */
public final class TableCache {
    private final int capacity;
    private final Table[] tables;
    /** Recency links by slot: towards the newest and the oldest; -1 at the ends. */
    private final int[] newer;
    private final int[] older;
    private int newest = -1;
    private int oldest = -1;
    /** Free slots, a stack. */
    private final int[] free;
    private int freeCount;
    /** Open-addressing index (linear probing): slot + 1 of the table whose offset hashes here, or 0. */
    private final int[] index;
    private final int mask;

    public TableCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
        this.tables = new Table[capacity];
        this.newer = new int[capacity];
        this.older = new int[capacity];
        this.free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;
        int n = Integer.highestOneBit(capacity) * 4;
        this.index = new int[n];
        this.mask = n - 1;
    }

    /** The table at {@code offset}, now the most recently used, or null. */
    public Table get(long offset) {
        int slot = find(offset);
        if (slot < 0) {
            return null;
        }
        unlink(slot);
        linkNewest(slot);
        return tables[slot];
    }

    /** Adds {@code table} (replacing one at the same offset) as the most recently used; not when full. */
    public void put(Table table) {
        int slot = find(table.offset());
        if (slot >= 0) {
            tables[slot] = table;
            unlink(slot);
            linkNewest(slot);
            return;
        }
        if (freeCount == 0) {
            throw new IllegalStateException("table cache full (" + capacity + ")");
        }
        slot = free[--freeCount];
        tables[slot] = table;
        int i = home(table.offset());
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = slot + 1;
        linkNewest(slot);
    }

    /** Forgets the table at {@code offset}; returns it, or null. */
    public Table remove(long offset) {
        int hole = position(offset);
        if (hole < 0) {
            return null;
        }
        int slot = index[hole] - 1;
        Table t = tables[slot];
        index[hole] = 0;
        // shift back the entries after the hole whose home lies at or before it (cyclically)
        for (int i = (hole + 1) & mask; index[i] != 0; i = (i + 1) & mask) {
            int h = home(tables[index[i] - 1].offset());
            if (hole <= i ? h <= hole || h > i : h <= hole && h > i) {
                index[hole] = index[i];
                index[i] = 0;
                hole = i;
            }
        }
        unlink(slot);
        tables[slot] = null;
        free[freeCount++] = slot;
        return t;
    }

    public boolean full() {
        return freeCount == 0;
    }

    public int size() {
        return capacity - freeCount;
    }

    public int capacity() {
        return capacity;
    }

    /** The least recently used table, or null when empty. */
    public Table eldest() {
        return oldest < 0 ? null : tables[oldest];
    }

    /** The least recently used table that is not dirty, or null when there is none. */
    public Table eldestClean() {
        for (int s = oldest; s >= 0; s = newer[s]) {
            if (!tables[s].dirty()) {
                return tables[s];
            }
        }
        return null;
    }

    private int home(long offset) {
        return (int) ((offset * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    private int position(long offset) {
        for (int i = home(offset); index[i] != 0; i = (i + 1) & mask) {
            if (tables[index[i] - 1].offset() == offset) {
                return i;
            }
        }
        return -1;
    }

    private int find(long offset) {
        int i = position(offset);
        return i < 0 ? -1 : index[i] - 1;
    }

    private void unlink(int slot) {
        if (newer[slot] >= 0) {
            older[newer[slot]] = older[slot];
        } else {
            newest = older[slot];
        }
        if (older[slot] >= 0) {
            newer[older[slot]] = newer[slot];
        } else {
            oldest = newer[slot];
        }
    }

    private void linkNewest(int slot) {
        older[slot] = newest;
        newer[slot] = -1;
        if (newest >= 0) {
            newer[newest] = slot;
        } else {
            oldest = slot;
        }
        newest = slot;
    }
}
