package io.jublk.testkit;

import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.TargetQueue;
import io.jublk.uring.Ring;
import io.jublk.uring.RingConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Drives a target queue the way the core's queue thread does, with a real ring but no ublk: requests go to
 * {@link TargetQueue#submit}, ring completions made with {@link #userData(long)} to {@link TargetQueue#onCompletion}.
 */
public final class RingHarness implements QueueContext, AutoCloseable {
    public static final int DEPTH = 8;
    public static final int MAX_IO = 256 << 10;

    /** What marks this harness's user data (the core's layout differs; targets never decode it). */
    private static final long TARGET_BIT = 1L << 62;

    public final Ring ring;
    public final Arena arena = Arena.ofShared();
    public final Request[] requests = new Request[DEPTH];
    private int registered;

    public RingHarness() throws IOException {
        ring = Ring.open(RingConfig.builder(2 * DEPTH).cqEntries(4 * DEPTH).build());
        for (int tag = 0; tag < DEPTH; tag++) {
            // page-aligned, like the core's per-tag buffers (O_DIRECT needs it)
            requests[tag] = new Request(tag, arena.allocate(MAX_IO, 4096));
        }
    }

    /** Submits the request and serves the ring until it is completed; returns its result. */
    public int run(TargetQueue queue, Request r) throws IOException {
        r.result = Integer.MIN_VALUE;
        r.completed = false;
        queue.submit(r);
        awaitAll(queue, r);
        return r.result;
    }

    public void awaitAll(TargetQueue queue, Request... rs) throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!allDone(rs)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("requests not completed within 10 s");
            }
            ring.submitAndWait(1, 100_000_000L);
            ring.drain((userData, res, flags) -> {
                if ((userData & ~MAX_COOKIE) != TARGET_BIT) {
                    throw new AssertionError("completion whose user data was not made by userData(): " + userData);
                }
                queue.onCompletion(userData & MAX_COOKIE, res, flags);
            });
        }
    }

    private static boolean allDone(Request... rs) {
        for (Request r : rs) {
            if (!r.completed) {
                return false;
            }
        }
        return true;
    }

    public Request request(int tag, IoOperation op, long offset, int length) {
        Request r = requests[tag];
        r.op = op;
        r.offset = offset;
        r.length = length;
        r.fua = false;
        r.noUnmap = false;
        return r;
    }

    @Override
    public int deviceId() {
        return 0;
    }

    @Override
    public int queueId() {
        return 0;
    }

    @Override
    public int queueDepth() {
        return DEPTH;
    }

    @Override
    public int maxIoBytes() {
        return MAX_IO;
    }

    @Override
    public long userData(long cookie) {
        if (cookie < 0 || cookie > MAX_COOKIE) {
            throw new IllegalArgumentException("cookie out of range: " + cookie);
        }
        return TARGET_BIT | cookie;
    }

    @Override
    public Ring ring() {
        return ring;
    }

    @Override
    public int registerFile(int fd) {
        try {
            if (registered++ == 0) {
                ring.registerFiles(fd);
                return 0;
            }
            return -1;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        ring.close();
        arena.close();
    }

    public static final class Request implements IoRequest {
        public final int tag;
        public final MemorySegment buffer;
        public IoOperation op;
        public long offset;
        public int length;
        public boolean fua;
        public boolean noUnmap;
        public int result;
        public boolean completed;

        Request(int tag, MemorySegment buffer) {
            this.tag = tag;
            this.buffer = buffer;
        }

        public IoOperation operation() { return op; }
        public boolean forceUnitAccess() { return fua; }
        public boolean noUnmap() { return noUnmap; }
        public long offset() { return offset; }
        public int length() { return length; }
        public MemorySegment buffer() { return buffer; }
        public int queueId() { return 0; }
        public int tag() { return tag; }

        public void complete(int r) {
            if (completed) {
                throw new AssertionError("tag " + tag + " completed twice");
            }
            result = r;
            completed = true;
        }
    }
}
