package io.jublk.target.qcow2.cache;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A map of at most {@code capacity} entries that forgets the least recently used one. It never evicts by
 * itself: the owner asks for {@link #eldest()} when {@link #full()}, writes it back if it must, then
 * {@link #remove}s it. Not thread-safe: the owner's lock guards it.
 */
public final class LruCache<K, V> {
    private final int capacity;
    private final LinkedHashMap<K, V> map = new LinkedHashMap<>(16, 0.75f, true);

    public LruCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
    }

    public V get(K key) {
        return map.get(key);
    }

    public void put(K key, V value) {
        map.put(key, value);
    }

    public V remove(K key) {
        return map.remove(key);
    }

    public boolean full() {
        return map.size() >= capacity;
    }

    public int size() {
        return map.size();
    }

    public int capacity() {
        return capacity;
    }

    /** The least recently used entry, or null when empty. */
    public Map.Entry<K, V> eldest() {
        Iterator<Map.Entry<K, V>> it = map.entrySet().iterator();
        return it.hasNext() ? it.next() : null;
    }

    /** The least recently used entry whose value passes {@code test}, or null when none does. */
    public Map.Entry<K, V> eldest(java.util.function.Predicate<V> test) {
        for (Map.Entry<K, V> e : map.entrySet()) {
            if (test.test(e.getValue())) {
                return e;
            }
        }
        return null;
    }

    public Iterable<V> values() {
        return map.values();
    }

    public void clear() {
        map.clear();
    }
}
