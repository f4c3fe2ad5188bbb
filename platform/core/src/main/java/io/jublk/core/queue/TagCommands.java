package io.jublk.core.queue;

import io.jublk.core.uapi.IoCmd;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ublk commands of one queue's tags (FETCH_REQ, COMMIT_AND_FETCH_REQ) as the queue thread sends them:
 * each tag's last command, resent once when the kernel refuses it, the tags out of service, and the SQEs the
 * queue takes for itself (so that the rest taken during a target's callback count as the target's).
 * Queue thread only.
 */
final class TagCommands {
    private static final Logger LOG = LoggerFactory.getLogger(TagCommands.class);
    private static final int EIO = Errno.EIO.number();

    private final QueueSpec spec;
    private final UblkChannel channel;
    private final TagTable tags;
    /** Each tag's last command (FETCH_REQ or COMMIT_AND_FETCH_REQ), and whether the kernel refused it once. */
    private final int[] lastCommand;
    private final boolean[] retried;
    private int aborted;
    /** SQEs the queue itself took (commands, copies): the rest taken during a target's callback are the target's. */
    private long coreSqes;

    TagCommands(QueueSpec spec, UblkChannel channel, TagTable tags) {
        this.spec = spec;
        this.channel = channel;
        this.tags = tags;
        this.lastCommand = new int[spec.depth()];
        this.retried = new boolean[spec.depth()];
    }

    /** Queues {@code cmdOp} for {@code tag} on the channel (a batching one sends it at {@link #flush}). */
    void send(Ring ring, int cmdOp, int tag, int result) {
        long buffer = spec.kernelCopies() ? tags.requests[tag].tagBuffer().address() : 0;
        lastCommand[tag] = cmdOp;
        long sqes = ring.sqesTaken();
        channel.queueCommand(ring, cmdOp, tag, result, buffer);
        coreSqes += ring.sqesTaken() - sqes;
    }

    /** A batching channel's commands of this turn go on the ring (per-tag commands are on it already). */
    void flush(Ring ring) {
        long sqes = ring.sqesTaken();
        channel.flush(ring);
        coreSqes += ring.sqesTaken() - sqes;
    }

    /** Counts SQEs the queue took for itself elsewhere (USER_COPY transfers) since {@code sqesBefore}. */
    void tookSince(Ring ring, long sqesBefore) {
        coreSqes += ring.sqesTaken() - sqesBefore;
    }

    /**
     * A tag's command ended with {@code res}: true when a request arrived; otherwise the command is sent once
     * more or the tag goes out of service.
     */
    boolean ended(Ring ring, int tag, int res) {
        if (res == IoCmd.RES_OK) {
            retried[tag] = false;
            return true;
        }
        if (res != -Errno.ENODEV.number() && !retried[tag]) {
            // The kernel refused the command, so it still waits for this tag: send it once more, a commit as EIO.
            LOG.error("queue {} of device {}: the command of tag {} failed ({}); sending it again", spec.queueId(),
                    spec.deviceId(), tag, Errno.nameOf(-res));
            retried[tag] = true;
            send(ring, lastCommand[tag], tag, lastCommand[tag] == IoCmd.FETCH_REQ ? 0 : -EIO);
            return false;
        }
        if (res != -Errno.ENODEV.number()) {
            LOG.error("queue {} of device {}: tag {} is out of service: its command failed twice ({})",
                    spec.queueId(), spec.deviceId(), tag, Errno.nameOf(-res));
        }
        tags.move(tag, TagState.ABORTED);
        aborted++;
        return false;
    }

    /** Whether every tag is out of service (the kernel aborted the queue). */
    boolean allAborted() {
        return aborted >= spec.depth();
    }

    /** SQEs the queue took for itself so far. */
    long coreSqes() {
        return coreSqes;
    }
}
