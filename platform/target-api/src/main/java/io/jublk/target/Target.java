package io.jublk.target;

/** One device's backend, made by {@link TargetFactory#open}. */
public interface Target extends AutoCloseable {

    /** What the disk looks like; fixed for the life of this target. */
    DiskGeometry geometry();

    /**
     * Makes the per-queue handler. Called on the queue's own thread before its first request; every call on
     * the returned handler comes from that thread.
     */
    TargetQueue openQueue(QueueContext queue) throws TargetException;

    /**
     * Whether this target can move READ and WRITE data with fixed-buffer operations on the queue's ring when
     * a request names a registered buffer ({@link IoRequest#bufferIndex()}). Then the core lets the kernel
     * put each request's own pages into the ring's buffer table where the kernel can (zero copy, Linux 6.16+:
     * UBLK_F_AUTO_BUF_REG), so no byte is copied between the kernel and this process; the target must still
     * serve requests whose data is in {@link IoRequest#buffer()} (older kernels, fallbacks), and may ask for
     * any one request's data in the buffer with {@link IoRequest#moveDataToBuffer()}. Default false: the data
     * is always in the buffer.
     */
    default boolean acceptsRegisteredBuffers() {
        return false;
    }

    /** A short JSON object describing the backend for listings (e.g. {@code {"file":"/x","offset":0}}). */
    String describeJson();

    /** Releases the backend. Called after every queue handler is closed. */
    @Override
    void close();
}
