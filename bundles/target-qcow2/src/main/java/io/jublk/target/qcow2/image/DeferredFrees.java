package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.format.Qcow2Exception;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Byte ranges that entries no longer reference, freed by epochs: a range is freed once the entry that dropped
 * it is durable (a FLUSH's sync) and every direct I/O that started before it was dropped has ended, however
 * busy the device stays. Direct I/O counts in one of two epochs (the current one when it starts); to free,
 * the durable ranges move to a grace list, the epoch flips, and the grace list is freed when the old epoch's
 * count reaches zero. A flip only happens when the grace list is empty, so the epoch it flips to has none
 * in flight. {@link #begin} and the lists run under the image's lock; {@link #end} from any thread.
 */
final class DeferredFrees {
    /** Frees a range: drops one reference to each of its clusters. */
    interface Sink {
        void free(long offset, long bytes) throws Qcow2Exception, IOException;
    }

    private final AtomicInteger[] inFlight = {new AtomicInteger(), new AtomicInteger()};
    private int current;
    private int graceEpoch;
    /** Offset, length pairs dropped and not yet moved to the grace list, oldest first. */
    private long[] pending = new long[64];
    private int pendingCount;
    private long[] grace = new long[64];
    private int graceCount;
    /** Ranges ever added, and ever taken out of the pending list (so a count taken before a sync stays right). */
    private long added;
    private long taken;

    /** A direct I/O starts: returns its epoch (0 or 1), to give to {@link #end}. */
    int begin() {
        inFlight[current].incrementAndGet();
        return current;
    }

    /** The direct I/O begun in {@code epoch} has ended. */
    void end(int epoch) {
        inFlight[epoch].decrementAndGet();
    }

    /** Direct I/O in flight, both epochs. */
    int inFlight() {
        return inFlight[0].get() + inFlight[1].get();
    }

    void add(long offset, long bytes) {
        if (pendingCount * 2 == pending.length) {
            pending = Arrays.copyOf(pending, pending.length * 2);
        }
        pending[pendingCount * 2] = offset;
        pending[pendingCount * 2 + 1] = bytes;
        pendingCount++;
        added++;
    }

    /** How many ranges were ever added: after a sync, {@link #release} may free those added before it. */
    long added() {
        return added;
    }

    /** Ranges waiting, pending or in grace. */
    int waiting() {
        return pendingCount + graceCount;
    }

    /**
     * After a sync: the ranges among the first {@code durableAdded} ever added have durable entries (two
     * queues may flush at once: each counts what it covers). Frees the grace list if its epoch has drained,
     * and moves the durable ranges to it (flipping the epoch) when it is empty.
     */
    void release(long durableAdded, Sink sink) throws Qcow2Exception, IOException {
        if (graceCount > 0 && inFlight[graceEpoch].get() == 0) {
            freeGrace(sink);
        }
        int durable = (int) Math.max(0, Math.min(pendingCount, durableAdded - taken));
        if (graceCount > 0 || durable == 0) {
            return;
        }
        if (grace.length < durable * 2) {
            grace = new long[Math.max(grace.length * 2, durable * 2)];
        }
        System.arraycopy(pending, 0, grace, 0, durable * 2);
        System.arraycopy(pending, durable * 2, pending, 0, (pendingCount - durable) * 2);
        pendingCount -= durable;
        taken += durable;
        graceCount = durable;
        graceEpoch = current;
        current ^= 1;
        if (inFlight[graceEpoch].get() == 0) {
            freeGrace(sink);
        }
    }

    /** At close, after a sync, with no direct I/O in flight: frees everything. */
    void releaseAll(Sink sink) throws Qcow2Exception, IOException {
        if (graceCount > 0) {
            freeGrace(sink);
        }
        for (int i = 0; i < pendingCount; i++) {
            sink.free(pending[i * 2], pending[i * 2 + 1]);
        }
        taken += pendingCount;
        pendingCount = 0;
    }

    private void freeGrace(Sink sink) throws Qcow2Exception, IOException {
        for (int i = 0; i < graceCount; i++) {
            sink.free(grace[i * 2], grace[i * 2 + 1]);
        }
        graceCount = 0;
    }
}
