package io.jublk.uring.internal;

import static io.jublk.uring.internal.IoUringLayout.CQE32_SIZE;
import static io.jublk.uring.internal.IoUringLayout.CQE_SIZE;
import static io.jublk.uring.internal.IoUringLayout.CQ_OFF_CQES;
import static io.jublk.uring.internal.IoUringLayout.CQ_OFF_HEAD;
import static io.jublk.uring.internal.IoUringLayout.CQ_OFF_OVERFLOW;
import static io.jublk.uring.internal.IoUringLayout.CQ_OFF_RING_ENTRIES;
import static io.jublk.uring.internal.IoUringLayout.CQ_OFF_RING_MASK;
import static io.jublk.uring.internal.IoUringLayout.CQ_OFF_TAIL;
import static io.jublk.uring.internal.IoUringLayout.PARAMS_CQ_ENTRIES;
import static io.jublk.uring.internal.IoUringLayout.PARAMS_CQ_OFF;
import static io.jublk.uring.internal.IoUringLayout.PARAMS_FEATURES;
import static io.jublk.uring.internal.IoUringLayout.PARAMS_FLAGS;
import static io.jublk.uring.internal.IoUringLayout.PARAMS_SQ_ENTRIES;
import static io.jublk.uring.internal.IoUringLayout.PARAMS_SQ_OFF;
import static io.jublk.uring.internal.IoUringLayout.SQ_OFF_ARRAY;
import static io.jublk.uring.internal.IoUringLayout.SQ_OFF_DROPPED;
import static io.jublk.uring.internal.IoUringLayout.SQ_OFF_FLAGS;
import static io.jublk.uring.internal.IoUringLayout.SQ_OFF_HEAD;
import static io.jublk.uring.internal.IoUringLayout.SQ_OFF_RING_ENTRIES;
import static io.jublk.uring.internal.IoUringLayout.SQ_OFF_RING_MASK;
import static io.jublk.uring.internal.IoUringLayout.SQ_OFF_TAIL;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares what liburing wrote into {@code struct io_uring} with what the kernel returned in
 * {@code io_uring_params}: every pointer must be its mapping's base plus the kernel's offset. Any
 * mismatch means we would read the struct at the wrong offsets (e.g. another liburing ABI), so Ring
 * refuses to run.
 */
public final class RingLayoutCheck {
    private static final int SETUP_CQE32 = 1 << 11;

    private RingLayoutCheck() {
    }

    /** An io_sqring_offsets field from params, as an offset into the SQ ring mapping. */
    public static long sqOff(MemorySegment params, long field) {
        return Integer.toUnsignedLong(params.get(JAVA_INT, PARAMS_SQ_OFF + field));
    }

    /** An io_cqring_offsets field from params, as an offset into the CQ ring mapping. */
    public static long cqOff(MemorySegment params, long field) {
        return Integer.toUnsignedLong(params.get(JAVA_INT, PARAMS_CQ_OFF + field));
    }

    /** Every disagreement found; empty when the layout is right. */
    public static List<String> problems(MemorySegment struct, MemorySegment params) {
        List<String> p = new ArrayList<>();
        long sq = struct.get(JAVA_LONG, LiburingLayout.SQ_RING_PTR);
        long cq = struct.get(JAVA_LONG, LiburingLayout.CQ_RING_PTR);
        int sqN = params.get(JAVA_INT, PARAMS_SQ_ENTRIES);
        int cqN = params.get(JAVA_INT, PARAMS_CQ_ENTRIES);
        pointer(p, struct, "sq.khead", LiburingLayout.SQ_KHEAD, sq + sqOff(params, SQ_OFF_HEAD));
        pointer(p, struct, "sq.ktail", LiburingLayout.SQ_KTAIL, sq + sqOff(params, SQ_OFF_TAIL));
        pointer(p, struct, "sq.kring_mask", LiburingLayout.SQ_KRING_MASK, sq + sqOff(params, SQ_OFF_RING_MASK));
        pointer(p, struct, "sq.kring_entries", LiburingLayout.SQ_KRING_ENTRIES,
                sq + sqOff(params, SQ_OFF_RING_ENTRIES));
        pointer(p, struct, "sq.kflags", LiburingLayout.SQ_KFLAGS, sq + sqOff(params, SQ_OFF_FLAGS));
        pointer(p, struct, "sq.kdropped", LiburingLayout.SQ_KDROPPED, sq + sqOff(params, SQ_OFF_DROPPED));
        pointer(p, struct, "sq.array", LiburingLayout.SQ_ARRAY, sq + sqOff(params, SQ_OFF_ARRAY));
        number(p, struct, "sq.ring_mask", LiburingLayout.SQ_RING_MASK, sqN - 1);
        number(p, struct, "sq.ring_entries", LiburingLayout.SQ_RING_ENTRIES, sqN);
        pointer(p, struct, "cq.khead", LiburingLayout.CQ_KHEAD, cq + cqOff(params, CQ_OFF_HEAD));
        pointer(p, struct, "cq.ktail", LiburingLayout.CQ_KTAIL, cq + cqOff(params, CQ_OFF_TAIL));
        pointer(p, struct, "cq.kring_mask", LiburingLayout.CQ_KRING_MASK, cq + cqOff(params, CQ_OFF_RING_MASK));
        pointer(p, struct, "cq.kring_entries", LiburingLayout.CQ_KRING_ENTRIES,
                cq + cqOff(params, CQ_OFF_RING_ENTRIES));
        pointer(p, struct, "cq.koverflow", LiburingLayout.CQ_KOVERFLOW, cq + cqOff(params, CQ_OFF_OVERFLOW));
        pointer(p, struct, "cq.cqes", LiburingLayout.CQ_CQES, cq + cqOff(params, CQ_OFF_CQES));
        number(p, struct, "cq.ring_mask", LiburingLayout.CQ_RING_MASK, cqN - 1);
        number(p, struct, "cq.ring_entries", LiburingLayout.CQ_RING_ENTRIES, cqN);
        number(p, struct, "flags", LiburingLayout.FLAGS, params.get(JAVA_INT, PARAMS_FLAGS));
        number(p, struct, "features", LiburingLayout.FEATURES, params.get(JAVA_INT, PARAMS_FEATURES));
        number(p, struct, "enter_ring_fd", LiburingLayout.ENTER_RING_FD, struct.get(JAVA_INT, LiburingLayout.RING_FD));
        if (struct.get(JAVA_INT, LiburingLayout.RING_FD) < 0) {
            p.add("ring_fd is negative");
        }
        long cqeSize = (params.get(JAVA_INT, PARAMS_FLAGS) & SETUP_CQE32) != 0 ? CQE32_SIZE : CQE_SIZE;
        if (struct.get(JAVA_LONG, LiburingLayout.CQ_RING_SZ) < cqOff(params, CQ_OFF_CQES) + cqN * cqeSize) {
            p.add("cq.ring_sz is smaller than the CQE array");
        }
        if (struct.get(JAVA_LONG, LiburingLayout.SQ_RING_SZ) < sqOff(params, SQ_OFF_ARRAY) + 4L * sqN) {
            p.add("sq.ring_sz is smaller than the SQ array");
        }
        return p;
    }

    private static void pointer(List<String> p, MemorySegment struct, String field, long at, long expected) {
        compare(p, field, struct.get(JAVA_LONG, at), expected);
    }

    private static void number(List<String> p, MemorySegment struct, String field, long at, long expected) {
        compare(p, field, struct.get(JAVA_INT, at), expected);
    }

    private static void compare(List<String> p, String field, long actual, long expected) {
        if (actual != expected) {
            p.add(field + " is 0x" + Long.toHexString(actual) + ", expected 0x" + Long.toHexString(expected));
        }
    }
}
