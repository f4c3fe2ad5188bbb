package io.jublk.core.queue;

import io.jublk.target.QueueContext;

/**
 * The one place that knows how a queue ring's 64-bit user data is laid out; everything else asks here.
 *
 * <pre>
 * bit  63      0: negative values are the ring's own (wake-ups, cancels)
 * bit  62      TARGET: an operation of a target's queue handler
 * bit  61      COPY: the queue's own USER_COPY transfer of the tag in bits 0-15
 * bits 48-60   TARGET: the generation of the attachment (TargetSlot) that queued it
 * bits 0-47    TARGET: the target's cookie ({@link QueueContext#userData})
 * bit  60      BATCH: a UBLK_F_BATCH_IO command: its kind in bits 16-17, its buffer in bits 0-15
 * none of them a ublk command (FETCH_REQ / COMMIT_AND_FETCH_REQ) of the tag in bits 0-15
 * </pre>
 *
 * The generation is what keeps a completion of a target the core took requests back from away from the
 * target that serves the device next: each attachment has its own, and a completion is routed by it.
 */
final class UserData {
    static final long TARGET = 1L << 62;
    static final long COPY = 1L << 61;
    static final long BATCH = 1L << 60;
    /** Kinds of batch command. */
    static final int BATCH_PREP = 0;
    static final int BATCH_COMMIT = 1;
    static final int BATCH_FETCH = 2;
    private static final int BATCH_KIND_SHIFT = 16;
    private static final int GENERATION_SHIFT = 48;
    /** How many generations the bits hold; they wrap, skipping any still in use. */
    static final int GENERATIONS = 1 << 13;
    private static final long TAG_MASK = 0xffff;

    private UserData() {
    }

    static long command(int tag) {
        return tag;
    }

    static long copy(int tag) {
        return COPY | tag;
    }

    static long batch(int kind, int buffer) {
        return BATCH | (long) kind << BATCH_KIND_SHIFT | buffer;
    }

    static boolean isBatch(long userData) {
        return userData > 0 && (userData & ~(BATCH | 3L << BATCH_KIND_SHIFT | TAG_MASK)) == 0
                && (userData & BATCH) != 0;
    }

    static int batchKind(long userData) {
        return (int) (userData >>> BATCH_KIND_SHIFT) & 3;
    }

    /** The buffer a batch command's user data names (bits 0-15). */
    static int batchBuffer(long userData) {
        return (int) (userData & TAG_MASK);
    }

    static long target(int generation, long cookie) {
        if (cookie < 0 || cookie > QueueContext.MAX_COOKIE) {
            throw new IllegalArgumentException("a target's cookie is 0 to 2^48-1: " + cookie);
        }
        return TARGET | (long) generation << GENERATION_SHIFT | cookie;
    }

    static boolean isTarget(long userData) {
        return userData > 0 && (userData & TARGET) != 0;
    }

    static boolean isCopy(long userData) {
        return userData > 0 && (userData & (TARGET | COPY)) == COPY && (userData & ~(COPY | TAG_MASK)) == 0;
    }

    static boolean isCommand(long userData) {
        return userData >= 0 && (userData & ~TAG_MASK) == 0;
    }

    static int tag(long userData) {
        return (int) (userData & TAG_MASK);
    }

    static int generation(long userData) {
        return (int) (userData >>> GENERATION_SHIFT) & (GENERATIONS - 1);
    }

    static long cookie(long userData) {
        return userData & QueueContext.MAX_COOKIE;
    }
}
