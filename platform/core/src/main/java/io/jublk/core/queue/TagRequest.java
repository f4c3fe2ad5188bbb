package io.jublk.core.queue;

import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The {@link IoRequest} of one tag, reused for every request of that tag. A request the core takes back
 * from a target is revoked for good and its tag gets a fresh object (and a fresh buffer), so a late answer
 * from the old target cannot complete a request that was handed on, nor touch its data. The queue thread
 * fills it from the kernel's descriptor; the target completes it exactly once, from any thread.
 */
final class TagRequest implements IoRequest {
    private static final VarHandle STATE;
    /** Not with a target. */
    private static final int IDLE = 0;
    /** With a target, which completes it. */
    private static final int OUT = 1;
    /** Taken back by the core: whatever the old target answers is void. Final. */
    private static final int REVOKED = 2;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TagRequest.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final RequestPath path;
    private final int tag;
    private final MemorySegment buffer;
    /** What {@link #buffer()} gives while the data is in a registered buffer: touching it fails at once. */
    private final MemorySegment noBuffer;

    IoOperation operation;
    /** {@link IoRequest#IN_BUFFER}, or the ring's buffer-table slot of the request's pages (zero copy). */
    int bufferIndex = IN_BUFFER;
    /** USER_COPY: the queue thread moves this request's data between /dev/ublkcN and {@link #tagBuffer()}. */
    boolean userCopy;
    /** Zero copy, but the target asked for the data in {@link #tagBuffer()}: moved there by pread / pwrite. */
    boolean copiedBySyscall;
    boolean fua;
    boolean noUnmap;
    long offset;
    int length;
    @SuppressWarnings("unused") // through STATE
    private volatile int state;

    TagRequest(RequestPath path, int tag, MemorySegment buffer) {
        this.path = path;
        this.tag = tag;
        this.buffer = buffer;
        this.noBuffer = buffer.asSlice(0, 0);
    }

    /** The tag's own buffer, whatever this request uses. */
    MemorySegment tagBuffer() {
        return buffer;
    }

    /** Queue thread: the request is about to go to the target. */
    void arm() {
        STATE.setRelease(this, OUT);
    }

    /**
     * Queue thread: takes the request back from the target. False when the target completed it first (its
     * answer is then on the way to the queue thread and stands).
     */
    boolean revoke() {
        return STATE.compareAndSet(this, OUT, REVOKED);
    }

    @Override
    public boolean moveDataToBuffer() {
        return path.moveToBuffer(this, tag);
    }

    @Override
    public void complete(int res) {
        if (!STATE.compareAndSet(this, OUT, IDLE)) {
            if ((int) STATE.getVolatile(this) == REVOKED) {
                path.lateCompletion(tag, res);
                return;
            }
            throw new IllegalStateException("tag " + tag + " of queue " + path.queueId()
                    + " completed twice, or after it was handed back");
        }
        path.completed(tag, res);
    }

    @Override
    public IoOperation operation() {
        return operation;
    }

    @Override
    public boolean forceUnitAccess() {
        return fua;
    }

    @Override
    public boolean noUnmap() {
        return noUnmap;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public MemorySegment buffer() {
        return bufferIndex == IN_BUFFER ? buffer : noBuffer;
    }

    @Override
    public int bufferIndex() {
        return bufferIndex;
    }

    @Override
    public int queueId() {
        return path.queueId();
    }

    @Override
    public int tag() {
        return tag;
    }

    @Override
    public String toString() {
        return "tag " + tag + " " + operation + " @" + offset + "+" + length;
    }
}
