package io.jublk.uring.internal;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * liburing 2.3's {@code struct io_uring} (liburing.h), which the library fills at setup. We read the
 * mmap pointers and the ring fd from it; Ring cross-checks them against io_uring_params at every
 * setup, and a test compares these offsets with offsetof() when a C compiler is available.
 */
public final class LiburingLayout {
    /** struct io_uring_sq. */
    public static final StructLayout SQ = MemoryLayout.structLayout(
            ADDRESS.withName("khead"),
            ADDRESS.withName("ktail"),
            ADDRESS.withName("kring_mask"),
            ADDRESS.withName("kring_entries"),
            ADDRESS.withName("kflags"),
            ADDRESS.withName("kdropped"),
            ADDRESS.withName("array"),
            ADDRESS.withName("sqes"),
            JAVA_INT.withName("sqe_head"),
            JAVA_INT.withName("sqe_tail"),
            JAVA_LONG.withName("ring_sz"),
            ADDRESS.withName("ring_ptr"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("pad"));

    /** struct io_uring_cq. */
    public static final StructLayout CQ = MemoryLayout.structLayout(
            ADDRESS.withName("khead"),
            ADDRESS.withName("ktail"),
            ADDRESS.withName("kring_mask"),
            ADDRESS.withName("kring_entries"),
            ADDRESS.withName("kflags"),
            ADDRESS.withName("koverflow"),
            ADDRESS.withName("cqes"),
            JAVA_LONG.withName("ring_sz"),
            ADDRESS.withName("ring_ptr"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("pad"));

    /** struct io_uring. */
    public static final StructLayout RING = MemoryLayout.structLayout(
            SQ.withName("sq"),
            CQ.withName("cq"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("ring_fd"),
            JAVA_INT.withName("features"),
            JAVA_INT.withName("enter_ring_fd"),
            JAVA_BYTE.withName("int_flags"),
            MemoryLayout.sequenceLayout(3, JAVA_BYTE).withName("pad"),
            JAVA_INT.withName("pad2"));

    public static final long SQ_KHEAD = sq("khead");
    public static final long SQ_KTAIL = sq("ktail");
    public static final long SQ_KRING_MASK = sq("kring_mask");
    public static final long SQ_KRING_ENTRIES = sq("kring_entries");
    public static final long SQ_KFLAGS = sq("kflags");
    public static final long SQ_KDROPPED = sq("kdropped");
    public static final long SQ_ARRAY = sq("array");
    public static final long SQ_SQES = sq("sqes");
    public static final long SQ_SQE_HEAD = sq("sqe_head");
    public static final long SQ_SQE_TAIL = sq("sqe_tail");
    public static final long SQ_RING_SZ = sq("ring_sz");
    public static final long SQ_RING_PTR = sq("ring_ptr");
    public static final long SQ_RING_MASK = sq("ring_mask");
    public static final long SQ_RING_ENTRIES = sq("ring_entries");

    public static final long CQ_KHEAD = cq("khead");
    public static final long CQ_KTAIL = cq("ktail");
    public static final long CQ_KRING_MASK = cq("kring_mask");
    public static final long CQ_KRING_ENTRIES = cq("kring_entries");
    public static final long CQ_KFLAGS = cq("kflags");
    public static final long CQ_KOVERFLOW = cq("koverflow");
    public static final long CQ_CQES = cq("cqes");
    public static final long CQ_RING_SZ = cq("ring_sz");
    public static final long CQ_RING_PTR = cq("ring_ptr");
    public static final long CQ_RING_MASK = cq("ring_mask");
    public static final long CQ_RING_ENTRIES = cq("ring_entries");

    public static final long FLAGS = RING.byteOffset(groupElement("flags"));
    public static final long RING_FD = RING.byteOffset(groupElement("ring_fd"));
    public static final long FEATURES = RING.byteOffset(groupElement("features"));
    public static final long ENTER_RING_FD = RING.byteOffset(groupElement("enter_ring_fd"));
    public static final long INT_FLAGS = RING.byteOffset(groupElement("int_flags"));
    public static final long SIZE = RING.byteSize();

    private LiburingLayout() {
    }

    private static long sq(String field) {
        return RING.byteOffset(groupElement("sq"), groupElement(field));
    }

    private static long cq(String field) {
        return RING.byteOffset(groupElement("cq"), groupElement(field));
    }
}
