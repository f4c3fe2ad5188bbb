package io.jublk.core.queue;

import io.jublk.target.IoOperation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One queue's request counters, since the queue started: requests and bytes by operation, and errors.
 * Written by the queue thread only ({@link #committed}, once a request, no allocation, no lock, no fence);
 * read from any thread with {@link #read}, each number as it was at some moment (opaque reads: never torn,
 * maybe a request behind).
 */
public final class QueueCounters {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int OPERATIONS = IoOperation.values().length;
    /** By operation: requests, then bytes, then errors; one array, so the hot path touches one object. */
    private final long[] counts = new long[3 * OPERATIONS];

    /** The queue thread committed {@code request} with {@code result} (bytes, or a negative errno). */
    void committed(IoOperation operation, int result) {
        int op = operation.ordinal();
        SLOT.setOpaque(counts, op, counts[op] + 1);
        if (result > 0) {
            SLOT.setOpaque(counts, OPERATIONS + op, counts[OPERATIONS + op] + result);
        } else if (result < 0) {
            SLOT.setOpaque(counts, 2 * OPERATIONS + op, counts[2 * OPERATIONS + op] + 1);
        }
    }

    /**
     * The numbers now, from any thread: by operation (ordinal), requests, then bytes, then errors
     * ({@code io.jublk.core.device.IoCounters} reads them).
     */
    public long[] read() {
        long[] copy = new long[counts.length];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = (long) SLOT.getOpaque(counts, i);
        }
        return copy;
    }
}
