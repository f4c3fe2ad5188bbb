package io.jublk.core.queue;

import io.jublk.uring.CompletionHandler;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.ErrnoException;
import java.lang.foreign.MemorySegment;

/**
 * How a queue talks to the ublk driver: where it reads the request descriptors, and how its FETCH_REQ and
 * COMMIT_AND_FETCH_REQ commands go out. {@link KernelChannel} is the driver; tests put a simulated driver
 * here to drive the queue's own state machine without a ublk kernel. Queue thread only.
 */
interface UblkChannel {

    /** Maps the queue's descriptors; called once, on the queue thread, before the first command. */
    void open() throws ErrnoException;

    /** The queue's descriptor array ({@link io.jublk.core.uapi.IoDesc}), valid from {@link #open} to {@link #close}. */
    MemorySegment descriptors();

    /**
     * Queues {@code cmdOp} for {@code tag} on {@code ring} (or wherever the driver takes it), with the
     * result of the tag's last request and, in copy mode, the address of the tag's buffer. Its completion
     * comes back with the user data {@link UserData#command(int) command(tag)}.
     */
    void queueCommand(Ring ring, int cmdOp, int tag, int result, long bufferAddress);

    /**
     * Puts on {@code ring} what {@link #queueCommand} collected: a batching driver (UBLK_F_BATCH_IO) sends
     * its commands here, once per loop turn, just before the ring is submitted. Per-tag drivers have none.
     */
    default void flush(Ring ring) {
    }

    /**
     * A completion of a batch command ({@link UserData#isBatch}): the channel tells {@code commands}, per
     * tag, what a per-tag driver's command completion would have said (a new request, a refusal, an abort).
     */
    default void batchCompleted(long userData, int res, int flags, Commands commands) {
        throw new IllegalStateException("a per-tag driver has no batch commands: 0x" + Long.toHexString(userData));
    }

    /** Where a batching channel reports, per tag, what its batch commands did. Queue thread only. */
    @FunctionalInterface
    interface Commands {
        /** As a per-tag command completion: {@link io.jublk.core.uapi.IoCmd#RES_OK} is a new request. */
        void commandCompleted(int tag, int res);
    }

    /** Completions that do not come through the ring, handed to the queue thread once per loop turn. */
    default void deliver(CompletionHandler handler) {
    }

    /**
     * Its commands still in the kernel that no cancel request reaches (ublk ends a fetch only when the ring
     * exits or the device is stopped or quiesced): the ring's close does not wait for those. The kernel's
     * per-tag channel: every tag whose command is out; a batching one: its armed fetch; a driver whose
     * commands are not on the ring: 0.
     */
    default int commandsOnlyExitEnds() {
        return 0;
    }

    /** The ring completed {@code tag}'s per-tag command ({@link UserData#command}), whatever its result. */
    default void commandEnded(int tag) {
    }

    /**
     * Called before {@link #close} when the ring closed with commands still in the kernel: memory those
     * commands may still write or read (a batching channel's fetch buffers and commit arrays) is kept for good.
     */
    default void keepMemory() {
    }

    /** Lets go of the descriptors: the kernel sees /dev/ublkcN released only once its mapping is gone. */
    void close();
}
