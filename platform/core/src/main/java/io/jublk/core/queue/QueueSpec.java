package io.jublk.core.queue;

import io.jublk.core.uapi.Feature;

/**
 * What a queue thread needs to know about its device.
 *
 * @param deviceId      N of /dev/ublkcN
 * @param queueId       the hardware queue this thread serves
 * @param depth         tags in the queue
 * @param maxIoBytes    the largest request (max_io_buf_bytes), also each tag's buffer size
 * @param deviceSectors the disk size in 512-byte sectors, for checking descriptors
 * @param flags         the device's UBLK_F_* flags as the kernel accepted them (ADD_DEV or GET_DEV_INFO): they
 *                      decide how data moves (copy mode, USER_COPY, AUTO_BUF_REG)
 */
public record QueueSpec(int deviceId, int queueId, int depth, int maxIoBytes, long deviceSectors, long flags) {

    /** The kernel puts each request's pages into the queue ring's buffer table (zero copy). */
    public boolean zeroCopy() {
        return Feature.AUTO_BUF_REG.in(flags);
    }

    /** The queue thread may (and, without {@link #zeroCopy()}, must) copy data through /dev/ublkcN itself. */
    public boolean userCopy() {
        return Feature.USER_COPY.in(flags);
    }

    /** UBLK_F_BATCH_IO: batch prep/commit/fetch commands per queue instead of one command per tag. */
    public boolean batchIo() {
        return Feature.BATCH_IO.in(flags);
    }

    /** Copy mode: the kernel copies data into and out of each tag's buffer, whose address the fetch gives. */
    public boolean kernelCopies() {
        return !zeroCopy() && !userCopy();
    }
}
