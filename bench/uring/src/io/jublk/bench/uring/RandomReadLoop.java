package io.jublk.bench.uring;

import io.jublk.uring.CompletionHandler;
import io.jublk.uring.Ring;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;

/**
 * Keeps {@code qd} random 4 KiB O_DIRECT reads in flight; each completion queues the next read for
 * its slot. Two loop shapes: "eager" submits each new read at once (one io_uring_enter per I/O, as
 * fio's io_uring engine does), "batched" submits everything queued with the next wait (one
 * io_uring_enter per loop). Allocation-free once running.
 */
final class RandomReadLoop implements CompletionHandler {
    static final int BLOCK = 4096;

    record Result(long completed, long errors, long nanos) {
    }

    private final Ring ring;
    private final int fd;
    private final int qd;
    private final long blocks;
    private final boolean fixed;
    private final boolean split;
    private final boolean eager;
    private final MemorySegment[] buffers;
    private long seed = 0x2545F4914F6CDD1DL;
    private boolean stopping;
    private long completed;
    private long errors;

    /**
     * @param split submit and wait in two io_uring_enter calls
     * @param eager submit each new read as soon as it is queued
     */
    RandomReadLoop(Ring ring, int fd, int qd, long blocks, boolean fixed, boolean split, boolean eager)
            throws Exception {
        this.split = split;
        this.eager = eager;
        this.ring = ring;
        this.fd = fd;
        this.qd = qd;
        this.blocks = blocks;
        this.fixed = fixed;
        this.buffers = new MemorySegment[qd];
        for (int i = 0; i < qd; i++) {
            buffers[i] = ring.allocateBuffer(BLOCK);
        }
        if (fixed) {
            ring.registerBuffers(buffers);
        }
    }

    Result run(long nanos) throws Exception {
        completed = 0;
        errors = 0;
        stopping = false;
        long start = System.nanoTime();
        long end = start + nanos;
        for (int tag = 0; tag < qd; tag++) {
            queue(tag);
        }
        long now;
        while ((now = System.nanoTime()) < end) {
            if (split) {
                ring.submit();
            }
            ring.submitAndWait(1);
            ring.drain(this);
        }
        long measured = completed;
        long took = now - start;
        stopping = true; // let what is queued or in flight finish without requeueing
        while (ring.inFlight() > 0 || ring.pending() > 0) {
            ring.submitAndWait(1);
            ring.drain(this);
        }
        return new Result(measured, errors, took);
    }

    private void queue(int tag) {
        long offset = nextBlock() * BLOCK;
        if (fixed) {
            ring.sqe().readFixed(fd, buffers[tag], 0, BLOCK, offset, tag).userData(tag);
        } else {
            ring.sqe().read(fd, buffers[tag], 0, BLOCK, offset).userData(tag);
        }
    }

    private long nextBlock() {
        seed ^= seed << 13;
        seed ^= seed >>> 7;
        seed ^= seed << 17;
        return Long.remainderUnsigned(seed, blocks);
    }

    @Override
    public void onCompletion(long userData, int res, int flags) {
        completed++;
        if (res != BLOCK) {
            errors++;
        }
        if (!stopping) {
            queue((int) userData);
            if (eager) {
                try {
                    ring.submit();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
