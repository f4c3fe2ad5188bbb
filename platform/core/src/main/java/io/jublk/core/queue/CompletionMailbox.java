package io.jublk.core.queue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands completed tags from any thread to the queue thread without a lock: a bounded
 * multi-producer, single-consumer ring of tag numbers. It never overflows because a tag is posted
 * at most once per request and a queue has at most {@code depth} requests out.
 */
final class CompletionMailbox {
    private static final int EMPTY = -1;
    private final AtomicIntegerArray slots;
    private final int mask;
    private final AtomicLong tail = new AtomicLong();
    /** Only the consumer touches the head. */
    private long head;

    CompletionMailbox(int depth) {
        int capacity = Integer.highestOneBit(Math.max(1, depth - 1)) << 1;
        slots = new AtomicIntegerArray(capacity);
        for (int i = 0; i < capacity; i++) {
            slots.set(i, EMPTY);
        }
        mask = capacity - 1;
    }

    /** Any thread: posts {@code tag}. */
    void post(int tag) {
        long t = tail.getAndIncrement();
        slots.setRelease((int) (t & mask), tag);
    }

    /** Queue thread: the next posted tag, or -1 when none is visible yet. */
    int poll() {
        int index = (int) (head & mask);
        int tag = slots.getAcquire(index);
        if (tag == EMPTY) {
            return EMPTY;
        }
        slots.setPlain(index, EMPTY);
        head++;
        return tag;
    }
}
