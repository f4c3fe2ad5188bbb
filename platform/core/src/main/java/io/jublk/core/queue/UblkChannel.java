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

    /** Completions that do not come through the ring, handed to the queue thread once per loop turn. */
    default void deliver(CompletionHandler handler) {
    }

    /** Lets go of the descriptors: the kernel sees /dev/ublkcN released only once its mapping is gone. */
    void close();
}
