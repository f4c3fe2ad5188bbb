package io.jublk.target.nullblk;

import io.jublk.target.IoRequest;
import io.jublk.target.TargetQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** Completes every request at once, on the queue thread. */
final class NullQueue implements TargetQueue {
    private final Arena arena = Arena.ofShared();
    /** Source of the zeroes a READ returns; copying from it allocates nothing. */
    private final MemorySegment zeroes;
    /**
     * By tag, how many leading bytes of the tag's buffer may hold something other than zeroes. Only a
     * WRITE puts data there (copy mode: the kernel copies it in), so a READ zeroes just those bytes and a
     * read after reads copies nothing. At first unknown (the queue may get buffers an earlier target
     * used): all of it, zeroed by the tag's first read.
     */
    private final int[] dirty;

    NullQueue(int depth, int maxIoBytes) {
        this.zeroes = arena.allocate(maxIoBytes, 4096);
        this.dirty = new int[depth];
        Arrays.fill(dirty, maxIoBytes);
    }

    @Override
    public void submit(IoRequest request) {
        int length = request.length();
        int tag = request.tag();
        switch (request.operation()) {
            case READ -> {
                int stale = dirty[tag];
                if (stale > 0) {
                    MemorySegment buffer = request.buffer();
                    MemorySegment.copy(zeroes, 0, buffer, 0, Math.min(stale, buffer.byteSize()));
                    dirty[tag] = 0;
                }
            }
            case WRITE -> dirty[tag] = Math.max(dirty[tag], length);
            default -> { }
        }
        request.complete(length);
    }

    @Override
    public void close() {
        arena.close();
    }
}
