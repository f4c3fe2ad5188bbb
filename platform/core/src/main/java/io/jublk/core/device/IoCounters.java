package io.jublk.core.device;

import io.jublk.target.IoOperation;
import java.util.Arrays;
import java.util.List;

/**
 * Request counters of a queue, or summed, of a device, since its queues started: requests, bytes and errors
 * by operation. {@code counts} holds, by operation ordinal, the requests, then the bytes, then the errors.
 */
public record IoCounters(long[] counts) {
    private static final int OPERATIONS = IoOperation.values().length;
    public static final IoCounters ZERO = new IoCounters(new long[3 * OPERATIONS]);

    public IoCounters {
        if (counts.length != 3 * OPERATIONS) {
            throw new IllegalArgumentException("counts: " + counts.length + " numbers, not " + 3 * OPERATIONS);
        }
        counts = counts.clone();
    }

    public long requests(IoOperation op) {
        return counts[op.ordinal()];
    }

    public long bytes(IoOperation op) {
        return counts[OPERATIONS + op.ordinal()];
    }

    public long errors(IoOperation op) {
        return counts[2 * OPERATIONS + op.ordinal()];
    }

    /** Errors of every operation. */
    public long errors() {
        long sum = 0;
        for (IoOperation op : IoOperation.values()) {
            sum += errors(op);
        }
        return sum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IoCounters other && Arrays.equals(counts, other.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "IoCounters" + Arrays.toString(counts);
    }

    /** The sum of {@code queues}. */
    public static IoCounters sum(List<IoCounters> queues) {
        long[] sum = new long[3 * OPERATIONS];
        for (IoCounters q : queues) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += q.counts[i];
            }
        }
        return new IoCounters(sum);
    }
}
