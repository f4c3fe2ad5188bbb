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

    /** A short JSON object describing the backend for listings (e.g. {@code {"file":"/x","offset":0}}). */
    String describeJson();

    /** Releases the backend. Called after every queue handler is closed. */
    @Override
    void close();
}
