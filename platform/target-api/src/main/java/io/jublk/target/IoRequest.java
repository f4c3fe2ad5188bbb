package io.jublk.target;

import java.lang.foreign.MemorySegment;

/**
 * One request of one tag. The core reuses the same object for every request of a tag, so nothing is
 * allocated per I/O; a target must not keep it past {@link #complete}.
 */
public interface IoRequest {

    /** {@link #bufferIndex()} of a request whose data is in {@link #buffer()}. */
    int IN_BUFFER = -1;

    IoOperation operation();

    /** True when a WRITE must be durable when it completes (FUA). */
    boolean forceUnitAccess();

    /** True when WRITE_ZEROES must not deallocate the range (NOUNMAP). */
    boolean noUnmap();

    /** Byte offset on the disk. */
    long offset();

    /** Length in bytes (0 for FLUSH). */
    int length();

    /**
     * The data: what to write for WRITE, where to put what is read for READ. Its first {@link #length()}
     * bytes are the request's; the segment may be larger. Stays valid until {@link #complete}. Empty when
     * the data is in a registered buffer instead ({@link #bufferIndex()}).
     */
    MemorySegment buffer();

    /**
     * Where a READ or WRITE's data is: {@link #IN_BUFFER} when in {@link #buffer()}; otherwise the slot of
     * {@link QueueContext#ring()}'s registered-buffer table that holds the request's own pages (zero copy),
     * for fixed-buffer operations on that ring ({@code ring.sqe().readRegistered(fd, index, 0, length, at)}),
     * with byte offsets 0 to {@link #length()} within it. Only targets whose
     * {@link Target#acceptsRegisteredBuffers()} is true see an index; the slot is the request's until
     * {@link #complete}, and only fixed-buffer operations on that ring can reach it.
     */
    default int bufferIndex() {
        return IN_BUFFER;
    }

    /**
     * For a READ or WRITE whose data is in a registered buffer, when the target cannot serve this one with
     * fixed-buffer operations (it must build or inspect the data itself, e.g. an image format's slow path):
     * asks the core to move the data into {@link #buffer()} instead, through UBLK_F_USER_COPY: a WRITE's data
     * is copied in before this returns, a READ's is copied out after {@link #complete}. Each copy is one
     * system call on the queue thread. Queue thread only (from {@link TargetQueue#submit} or
     * {@link TargetQueue#onCompletion}).
     *
     * @return true when the data is in {@link #buffer()} now (also for a request that was there already);
     *         false when it cannot be (the device has no USER_COPY, or the copy failed): the core has then
     *         failed the request with EIO, and the target must forget it.
     */
    default boolean moveDataToBuffer() {
        return bufferIndex() == IN_BUFFER;
    }

    int queueId();

    int tag();

    /**
     * Finishes the request: {@code result} is the number of bytes done (the whole length for success) or a
     * negative errno (e.g. {@code -5} for EIO). Any thread may call it, once.
     */
    void complete(int result);
}
