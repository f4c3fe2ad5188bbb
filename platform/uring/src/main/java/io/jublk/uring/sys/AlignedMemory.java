package io.jublk.uring.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** Page-aligned native buffers, as O_DIRECT and registered io_uring buffers want them. */
public final class AlignedMemory {
    private AlignedMemory() {
    }

    /** A zeroed buffer of {@code size} bytes aligned to the page size, freed with {@code arena}. */
    public static MemorySegment allocate(Arena arena, long size) {
        return allocate(arena, size, Linux.pageSize());
    }

    /** A zeroed buffer of {@code size} bytes aligned to {@code alignment} (a power of two). */
    public static MemorySegment allocate(Arena arena, long size, long alignment) {
        Objects.requireNonNull(arena, "arena");
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        return arena.allocate(size, alignment);
    }

    /** Whether {@code segment} starts on a multiple of {@code alignment}. */
    public static boolean isAligned(MemorySegment segment, long alignment) {
        return (segment.address() & (alignment - 1)) == 0;
    }
}
