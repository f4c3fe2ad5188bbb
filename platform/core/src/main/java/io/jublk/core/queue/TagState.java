package io.jublk.core.queue;

/**
 * The life cycle of one tag of a ublk queue. Only the queue thread moves a tag between states; a
 * target's completion from another thread reaches the queue thread through {@link CompletionMailbox}
 * and becomes {@link #COMPLETED} there.
 *
 * <pre>
 * IDLE --fetch--&gt; FETCHING --request--&gt; SERVING --target done--&gt; COMPLETED --commit+fetch--&gt; FETCHING
 *                    FETCHING --abort (queue going away)--&gt; ABORTED
 *                    SERVING --no target (swapped, crashed)--&gt; HELD --target back--&gt; SERVING
 *                    HELD --failed by policy (EIO)--&gt; COMPLETED
 *                    HELD --USER_COPY write for a new target--&gt; COPYING
 * USER_COPY moves the data itself, on the queue's ring:
 *                    FETCHING --WRITE--&gt; COPYING --data in--&gt; SERVING
 *                    COMPLETED --READ--&gt; COPYING --data out, commit+fetch--&gt; FETCHING
 *                    COPYING --copy failed, commit+fetch--&gt; FETCHING
 * </pre>
 */
public enum TagState {
    /** No command of this tag is in the kernel: before the first fetch. */
    IDLE,
    /** FETCH_REQ or COMMIT_AND_FETCH_REQ is in the kernel, waiting for the next request. */
    FETCHING,
    /** USER_COPY: the queue moves the request's data between /dev/ublkcN and the tag's buffer. */
    COPYING,
    /** The kernel handed over a request; the target has it. */
    SERVING,
    /** The core keeps the request while no target serves the device (swap, crash); the kernel still waits. */
    HELD,
    /** The target answered (or the core failed a held request); the commit has not been queued yet. */
    COMPLETED,
    /** The kernel aborted the fetch: the queue is going away, and this tag is never fetched again. */
    ABORTED;

    /** Whether a tag may go from this state to {@code next}. */
    public boolean canBecome(TagState next) {
        return switch (this) {
            case IDLE -> next == FETCHING;
            case FETCHING -> next == SERVING || next == COPYING || next == ABORTED;
            case COPYING -> next == SERVING || next == FETCHING;
            case SERVING -> next == COMPLETED || next == HELD;
            case HELD -> next == SERVING || next == COMPLETED || next == COPYING;
            case COMPLETED -> next == FETCHING || next == COPYING;
            case ABORTED -> false;
        };
    }
}
