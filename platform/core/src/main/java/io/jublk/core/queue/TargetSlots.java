package io.jublk.core.queue;

import io.jublk.uring.Ring;
import io.jublk.uring.sys.ErrnoException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue's attachments of targets ({@link TargetSlot}): the attached one and the revoked ones whose ring
 * operations are still in flight. It gives each a generation no other carries (so a completion finds its
 * attachment), counts the ring operations their callbacks queue, lends them fixed-file slots, and closes
 * them when they are released or the queue thread ends. Which requests go to which attachment, and when one
 * may be released, is {@link HandOver}'s. Queue thread only, except {@link #stuckOperations}.
 */
final class TargetSlots {
    private static final Logger LOG = LoggerFactory.getLogger(TargetSlots.class);

    private final QueueRunner queue;
    private final QueueSpec spec;
    private final TargetSlot[] fileOwners = new TargetSlot[QueueRunner.TARGET_FILE_SLOTS];
    private final List<TargetSlot> retired = new ArrayList<>();
    private TargetSlot current;
    private int generation;
    /** Operations of revoked attachments still in flight, for listings (read from any thread). */
    private volatile long stuckOperations;

    TargetSlots(QueueRunner queue, QueueSpec spec) {
        this.queue = queue;
        this.spec = spec;
    }

    /** The attachment that gets new requests (or is detaching), or null. */
    TargetSlot current() {
        return current;
    }

    long stuckOperations() {
        return stuckOperations;
    }

    /** A new attachment, not yet current: its generation is one no live or revoked attachment carries. */
    TargetSlot next() {
        do {
            generation = (generation + 1) % UserData.GENERATIONS;
        } while (slotOf(generation) != null);
        return new TargetSlot(generation, queue);
    }

    void attach(TargetSlot slot) {
        current = slot;
    }

    /** The core has taken {@code slot}'s requests back: its completions are the core's until it is released. */
    void revoke(TargetSlot slot) {
        slot.revoked = true;
        if (current == slot) {
            current = null;
        }
        retired.add(slot);
    }

    /** The attachment whose operations carry {@code gen}, or null. */
    TargetSlot slotOf(int gen) {
        if (current != null && current.generation == gen) {
            return current;
        }
        for (int i = 0; i < retired.size(); i++) {
            if (retired.get(i).generation == gen) {
                return retired.get(i);
            }
        }
        return null;
    }

    // ---- counting a target's ring operations ------------------------------------------------------------

    /** SQEs taken on the ring so far that were not the queue's own (commits, copies): the targets'. */
    long targetSqes() {
        Ring ring = queue.ring();
        return ring.sqesTaken() - queue.coreSqes();
    }

    /** Counts the ring operations {@code slot}'s callback queued since {@code since} ({@link #targetSqes}). */
    void count(TargetSlot slot, long since) {
        slot.operations += targetSqes() - since;
    }

    /** Publishes the operations of revoked attachments still in flight, for {@link #stuckOperations}. */
    void publishStuck() {
        long ops = 0;
        for (int i = 0; i < retired.size(); i++) {
            ops += retired.get(i).operations;
        }
        stuckOperations = ops;
    }

    // ---- fixed files ------------------------------------------------------------------------------------

    /** {@link TargetSlot#registerFile}: a fixed-file slot no other attachment, live or draining, uses. */
    int registerFile(TargetSlot slot, int fd) {
        for (int i = 0; i < fileOwners.length; i++) {
            if (fileOwners[i] == null) {
                try {
                    queue.ring().updateRegisteredFile(1 + i, fd);
                } catch (ErrnoException e) {
                    LOG.warn("queue {} of device {}: registering the target's fd {} failed ({}); it uses the plain"
                            + " fd", spec.queueId(), spec.deviceId(), fd, e.getMessage());
                    return -1;
                }
                fileOwners[i] = slot;
                return 1 + i;
            }
        }
        return -1;
    }

    // ---- releasing ------------------------------------------------------------------------------------------

    /** An idle attachment goes: its handler closed, its fixed-file slots freed, {@link TargetSlot#released} done. */
    void release(TargetSlot slot) {
        closeHandler(slot);
        for (int i = 0; i < fileOwners.length; i++) {
            if (fileOwners[i] == slot) {
                fileOwners[i] = null;
                try {
                    queue.ring().updateRegisteredFile(1 + i, -1);
                } catch (ErrnoException e) {
                    LOG.debug("queue {}: clearing file slot {}: {}", spec.queueId(), 1 + i, e.getMessage());
                }
            }
        }
        if (current == slot) {
            current = null;
        }
        retired.remove(slot);
        publishStuck();
        slot.released.complete(null);
    }

    private void closeHandler(TargetSlot slot) {
        if (slot.handler == null) {
            return;
        }
        try {
            slot.handler.close();
        } catch (Throwable e) {
            LOG.warn("target queue {} of device {} failed to close", spec.queueId(), spec.deviceId(), e);
        }
        slot.handler = null;
    }

    /**
     * The queue thread is ending and its ring is closed: the attachments are released (their handlers closed)
     * when nothing can touch their memory any more, else failed so their targets stay open. Returns whether
     * the queue's buffers may be freed: the ring closed cleanly, or no target operation nor copy
     * ({@code copying}: tags in USER_COPY) was left.
     */
    boolean end(boolean ringClosedCleanly, int copying) {
        List<TargetSlot> all = new ArrayList<>(retired);
        if (current != null) {
            all.add(current);
        }
        long operations = 0;
        for (TargetSlot slot : all) {
            operations += slot.operations;
        }
        // Fetches the kernel did not cancel write only in the queue thread's context; target operations and
        // copies may run in io-wq workers after it is gone.
        boolean quiet = ringClosedCleanly || operations == 0 && copying == 0;
        for (TargetSlot slot : all) {
            if (quiet) {
                closeHandler(slot);
                slot.released.complete(null);
            } else {
                slot.released.completeExceptionally(new IllegalStateException(slot + " never completed"));
            }
        }
        if (!quiet) {
            LOG.error("queue {} of device {}: {} target operation(s) and {} copy(ies) still in flight after the"
                    + " ring closed; keeping the queue's buffers and its targets open", spec.queueId(),
                    spec.deviceId(), operations, copying);
        }
        current = null;
        retired.clear();
        return quiet;
    }
}
