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

    /**
     * The backend for listings ({@code ublk:list}), as named values: each a String, Number, Boolean, null, or
     * a List or Map (String keys) of them, e.g. {@code Map.of("file", "/x", "offset", 0)}. The core writes
     * it as JSON. Default null: the core reads {@link #describeJson()} instead (targets written before this
     * method).
     */
    default java.util.Map<String, Object> describe() {
        return null;
    }

    /**
     * The same as one JSON object, for targets that do not implement {@link #describe()}; the core parses it
     * and lists what is not a JSON object as a string. New targets implement {@link #describe()}.
     */
    default String describeJson() {
        return "{}";
    }

    /** Releases the backend. Called after every queue handler is closed. */
    @Override
    void close();
}
