package io.jublk.uring;

import static io.jublk.uring.internal.IoUringLayout.CQE_BIG;
import static io.jublk.uring.internal.IoUringLayout.CQE_FLAGS;
import static io.jublk.uring.internal.IoUringLayout.CQE_RES;
import static io.jublk.uring.internal.IoUringLayout.CQE_USER_DATA;
import static io.jublk.uring.internal.IoUringLayout.CQ_OFF_CQES;
import static io.jublk.uring.internal.IoUringLayout.CQ_OFF_HEAD;
import static io.jublk.uring.internal.IoUringLayout.CQ_OFF_OVERFLOW;
import static io.jublk.uring.internal.IoUringLayout.CQ_OFF_TAIL;
import static io.jublk.uring.internal.IoUringLayout.PARAMS_CQ_ENTRIES;
import static io.jublk.uring.internal.RingLayoutCheck.cqOff;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jublk.uring.internal.LiburingLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The completion side of a ring, over the kernel's mapping: reads the CQ tail with acquire, walks
 * the ready CQEs in Java (no native call per CQE) and stores the new head with release once per batch.
 */
final class CompletionQueue {
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final MemorySegment ring;
    private final long headAt;
    private final long tailAt;
    private final long overflowAt;
    private final long cqesAt;
    private final int entries;
    private final int mask;
    private final int shift;
    private int head;
    private long current = -1;

    CompletionQueue(MemorySegment struct, MemorySegment params, boolean cqe32, Arena views) {
        entries = params.get(JAVA_INT, PARAMS_CQ_ENTRIES);
        mask = entries - 1;
        shift = cqe32 ? 5 : 4;
        ring = MemorySegment.ofAddress(struct.get(JAVA_LONG, LiburingLayout.CQ_RING_PTR))
                .reinterpret(struct.get(JAVA_LONG, LiburingLayout.CQ_RING_SZ), views, null);
        headAt = cqOff(params, CQ_OFF_HEAD);
        tailAt = cqOff(params, CQ_OFF_TAIL);
        overflowAt = cqOff(params, CQ_OFF_OVERFLOW);
        cqesAt = cqOff(params, CQ_OFF_CQES);
        head = (int) INT.getAcquire(ring, headAt);
    }

    int entries() {
        return entries;
    }

    /**
     * Passes every ready CQE to {@code ring.dispatch}; the head is released in a finally, so a handler
     * that throws does not see its completion again. Returns the number passed.
     */
    int reap(CompletionReaper owner, CompletionHandler handler) {
        int h = head;
        int t = (int) INT.getAcquire(ring, tailAt);
        if (h == t) {
            return 0;
        }
        int n = 0;
        try {
            while (h != t) {
                long at = cqesAt + ((long) (h & mask) << shift);
                long userData = ring.get(JAVA_LONG, at + CQE_USER_DATA);
                int res = ring.get(JAVA_INT, at + CQE_RES);
                int flags = ring.get(JAVA_INT, at + CQE_FLAGS);
                h++;
                n++;
                current = at;
                owner.dispatch(userData, res, flags, handler);
            }
        } finally {
            current = -1;
            head = h;
            INT.setRelease(ring, headAt, h);
        }
        return n;
    }

    /** Word {@code index} (0 or 1) of the extra 16 bytes of the CQE being dispatched (CQE32 rings). */
    long extra(int index) {
        if (shift != 5 || current < 0) {
            throw new IllegalStateException("no 32-byte completion is being handled");
        }
        Objects.checkIndex(index, 2);
        return ring.get(JAVA_LONG, current + CQE_BIG + 8L * index);
    }

    /** The kernel's count of completions it had to drop. */
    int dropped() {
        return (int) INT.getAcquire(ring, overflowAt);
    }
}
