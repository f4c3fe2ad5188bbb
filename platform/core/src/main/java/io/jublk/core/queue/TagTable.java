package io.jublk.core.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The per-tag state of one queue: each tag's {@link TagState}, request, result, and who has it. Queue
 * thread only, except {@link #oldestDispatchNanos} and {@link #heldNow}, which other threads read.
 */
final class TagTable {
    private static final VarHandle DISPATCHED_AT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(TagTable.class, "held", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final QueueSpec spec;
    private final TagState[] states;
    /** Each tag's request; replaced (fresh object and buffer) when the core takes one back from a target. */
    final TagRequest[] requests;
    /** The answer of each tag's request, written before the tag is posted (or committed) by the answerer. */
    final int[] results;
    /** System.nanoTime() (never 0) when each tag went to the target, 0 when it is not with the target. */
    private final long[] dispatchedAt;
    /** The attachment each tag's request is with, or null. */
    final TargetSlot[] owner;
    /** The revoked attachment whose operations a held request waits for, or null. */
    final TargetSlot[] fence;
    /** Targets that failed while holding each tag's request (reset when it is committed). */
    final byte[] attempts;
    /** Requests held (no target, or fenced). */
    int held;
    /** Requests with a target. */
    int withTarget;

    TagTable(QueueSpec spec) {
        this.spec = spec;
        int depth = spec.depth();
        states = new TagState[depth];
        Arrays.fill(states, TagState.IDLE);
        requests = new TagRequest[depth];
        results = new int[depth];
        dispatchedAt = new long[depth];
        owner = new TargetSlot[depth];
        fence = new TargetSlot[depth];
        attempts = new byte[depth];
    }

    int depth() {
        return states.length;
    }

    TagState state(int tag) {
        return states[tag];
    }

    /** Moves a tag, refusing a transition the life cycle does not have. */
    void move(int tag, TagState next) {
        TagState now = states[tag];
        if (!now.canBecome(next)) {
            throw new IllegalStateException("tag " + tag + " of queue " + spec.queueId() + " of device "
                    + spec.deviceId() + ": " + now + " -> " + next + " is not a legal transition");
        }
        states[tag] = next;
    }

    void hold(int tag) {
        move(tag, TagState.HELD);
        held++;
    }

    /** A held request leaves the hold (to be served, failed or held again). */
    void unheld() {
        held--;
    }

    /** The tag's request goes to {@code slot}. */
    void sent(int tag, TargetSlot slot) {
        owner[tag] = slot;
        slot.requests++;
        withTarget++;
        DISPATCHED_AT.setOpaque(dispatchedAt, tag, System.nanoTime() | 1);
    }

    /** The tag's request is no longer with a target; returns the attachment it was with. */
    TargetSlot leftTarget(int tag) {
        TargetSlot slot = owner[tag];
        owner[tag] = null;
        slot.requests--;
        withTarget--;
        DISPATCHED_AT.setOpaque(dispatchedAt, tag, 0L);
        return slot;
    }

    /** {@link #held} read from another thread (a metrics reader): as it was at some moment. */
    int heldNow() {
        return (int) HELD.getOpaque(this);
    }

    /** When the longest-waiting request now with a target was handed to it (System.nanoTime()), or 0. Any thread. */
    long oldestDispatchNanos() {
        long oldest = 0;
        for (int tag = 0; tag < dispatchedAt.length; tag++) {
            long at = (long) DISPATCHED_AT.getOpaque(dispatchedAt, tag);
            if (at != 0 && (oldest == 0 || at - oldest < 0)) {
                oldest = at;
            }
        }
        return oldest;
    }

    /** Tags now copying their data through USER_COPY (on the ring, possibly in io-wq). */
    int copying() {
        int n = 0;
        for (TagState s : states) {
            n += s == TagState.COPYING ? 1 : 0;
        }
        return n;
    }
}
