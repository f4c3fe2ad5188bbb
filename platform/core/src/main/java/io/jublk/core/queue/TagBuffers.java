package io.jublk.core.queue;

import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One queue's per-tag buffers (and the fresh ones for requests taken back from a target): one mapping,
 * freed once nothing can write it any more. Kept when the ring closed with target or copy operations in
 * flight.
 */
final class TagBuffers {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment mapping;
    private final long tagBytes;
    private volatile boolean freed;
    /** False when the ring closed with target or copy operations in flight: the buffers are then kept. */
    private volatile boolean releasable = true;

    TagBuffers(QueueSpec spec) throws ErrnoException {
        this.tagBytes = spec.maxIoBytes();
        // Anonymous mapping: pages are only backed once the kernel copies data into them.
        this.mapping = Linux.mmap(spec.depth() * tagBytes, Linux.PROT_READ | Linux.PROT_WRITE,
                Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS, -1, 0, arena);
    }

    /** The buffer of {@code tag} in the mapping. */
    MemorySegment of(int tag) {
        return mapping.asSlice(tag * tagBytes, tagBytes);
    }

    /** Where fresh buffers for requests taken back are made; closed with the mapping. */
    Arena arena() {
        return arena;
    }

    boolean releasable() {
        return releasable;
    }

    void releasable(boolean releasable) {
        this.releasable = releasable;
    }

    /** Frees the mapping and every buffer made in the arena. Idempotent. */
    synchronized void free() {
        if (!freed) {
            freed = true;
            arena.close();
        }
    }
}
