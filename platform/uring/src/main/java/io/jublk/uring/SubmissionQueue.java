package io.jublk.uring;

import static io.jublk.uring.internal.IoUringLayout.PARAMS_SQ_ENTRIES;
import static io.jublk.uring.internal.IoUringLayout.SQE128_CMD_SIZE;
import static io.jublk.uring.internal.IoUringLayout.SQE128_SIZE;
import static io.jublk.uring.internal.IoUringLayout.SQE_CMD;
import static io.jublk.uring.internal.IoUringLayout.SQE_CMD_SIZE;
import static io.jublk.uring.internal.IoUringLayout.SQE_FLAGS;
import static io.jublk.uring.internal.IoUringLayout.SQE_SIZE;
import static io.jublk.uring.internal.IoUringLayout.SQ_OFF_ARRAY;
import static io.jublk.uring.internal.IoUringLayout.SQ_OFF_FLAGS;
import static io.jublk.uring.internal.IoUringLayout.SQ_OFF_HEAD;
import static io.jublk.uring.internal.IoUringLayout.SQ_OFF_TAIL;
import static io.jublk.uring.internal.IoUringLayout.TIMESPEC_SIZE;
import static io.jublk.uring.internal.RingLayoutCheck.sqOff;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jublk.uring.internal.LiburingLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The submission side of a ring, over the kernel's mappings: hands out zeroed SQEs and publishes
 * them with a release store of the SQ tail. Without SQPOLL the kernel moves the SQ head only inside
 * our io_uring_enter, so the last head read is remembered and the mapping re-read only when the
 * queue looks full.
 */
final class SubmissionQueue {
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final MemorySegment ring;
    private final MemorySegment sqes;
    private final long headAt;
    private final long tailAt;
    private final long flagsAt;
    private final int entries;
    private final int mask;
    private final int sqeSize;
    private final int shift;
    private final Sqe sqe;
    private int tail;
    private int published;
    private int headSeen;

    /** Views live in {@code views}; the per-slot timeout scratch space in {@code memory}. */
    SubmissionQueue(MemorySegment struct, MemorySegment params, boolean sqe128, Arena views, Arena memory) {
        entries = params.get(JAVA_INT, PARAMS_SQ_ENTRIES);
        mask = entries - 1;
        sqeSize = sqe128 ? SQE128_SIZE : SQE_SIZE;
        shift = sqe128 ? 7 : 6;
        ring = MemorySegment.ofAddress(struct.get(JAVA_LONG, LiburingLayout.SQ_RING_PTR))
                .reinterpret(struct.get(JAVA_LONG, LiburingLayout.SQ_RING_SZ), views, null);
        sqes = MemorySegment.ofAddress(struct.get(JAVA_LONG, LiburingLayout.SQ_SQES))
                .reinterpret((long) entries * sqeSize, views, null);
        headAt = sqOff(params, SQ_OFF_HEAD);
        tailAt = sqOff(params, SQ_OFF_TAIL);
        flagsAt = sqOff(params, SQ_OFF_FLAGS);

        // Slot i of the SQ array always names SQE i, so publishing a batch is one tail store.
        long arrayAt = sqOff(params, SQ_OFF_ARRAY);
        for (int i = 0; i < entries; i++) {
            ring.set(JAVA_INT, arrayAt + 4L * i, i);
        }
        tail = (int) INT.getAcquire(ring, tailAt);
        published = tail;
        headSeen = (int) INT.getAcquire(ring, headAt);

        int cmdSize = sqe128 ? SQE128_CMD_SIZE : SQE_CMD_SIZE;
        MemorySegment[] cmdAreas = new MemorySegment[entries];
        for (int i = 0; i < entries; i++) {
            cmdAreas[i] = sqes.asSlice((long) i * sqeSize + SQE_CMD, cmdSize);
        }
        sqe = new Sqe(sqes, memory.allocate((long) entries * TIMESPEC_SIZE, 8), cmdAreas, cmdSize);
    }

    int entries() {
        return entries;
    }

    boolean hasSpace() {
        return tail - headSeen < entries || tail - head() < entries;
    }

    /** The next slot, zeroed. Call only when {@link #hasSpace()}. */
    Sqe next() {
        int slot = tail & mask;
        long base = (long) slot << shift;
        zero(base);
        if (sqeSize == SQE128_SIZE) {
            zero(base + SQE_SIZE);
        }
        tail++;
        return sqe.at(slot, base);
    }

    /** SQEs handed out that the kernel has not taken yet. */
    int queued() {
        return tail - head();
    }

    int space() {
        return entries - queued();
    }

    /** Whether the newest unpublished SQE links to the next one, so a batch must not end here. */
    boolean endsInLink() {
        if (tail == published) {
            return false;
        }
        long flags = sqes.get(JAVA_BYTE, ((long) ((tail - 1) & mask) << shift) + SQE_FLAGS);
        return (flags & (IoUring.IOSQE_IO_LINK | IoUring.IOSQE_IO_HARDLINK)) != 0;
    }

    /** Makes every SQE handed out visible to the kernel; returns how many it has yet to take. */
    int publish() {
        int t = tail;
        if (t != published) {
            INT.setRelease(ring, tailAt, t);
            published = t;
        }
        return t - head();
    }

    /** Forgets SQEs the kernel never saw. */
    void dropUnpublished() {
        tail = published;
    }

    /** Whether the kernel took everything published. */
    boolean drained() {
        return published == head();
    }

    /** IORING_SQ_* flags the kernel sets (CQ overflow, task work pending). */
    int kernelFlags() {
        return (int) INT.getAcquire(ring, flagsAt);
    }

    MemorySegment raw(int slot) {
        Objects.checkIndex(slot, entries);
        return sqes.asSlice((long) slot * sqeSize, sqeSize);
    }

    private int head() {
        int head = (int) INT.getAcquire(ring, headAt);
        headSeen = head;
        return head;
    }

    private void zero(long at) {
        sqes.set(JAVA_LONG, at, 0L);
        sqes.set(JAVA_LONG, at + 8, 0L);
        sqes.set(JAVA_LONG, at + 16, 0L);
        sqes.set(JAVA_LONG, at + 24, 0L);
        sqes.set(JAVA_LONG, at + 32, 0L);
        sqes.set(JAVA_LONG, at + 40, 0L);
        sqes.set(JAVA_LONG, at + 48, 0L);
        sqes.set(JAVA_LONG, at + 56, 0L);
    }
}
