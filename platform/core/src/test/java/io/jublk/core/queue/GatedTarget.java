package io.jublk.core.queue;

import io.jublk.target.DiskGeometry;
import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetQueue;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A target as slow as the test wants: each request is one ring operation that waits on a gate (a READ of
 * an eventfd in semaphore mode) and, when the test opens the gate, completes the request as if it had
 * been served. It labels its operations with the tag, as the loop and qcow2 targets do, so a completion of
 * its that reached another target would look like that target's own.
 */
final class GatedTarget implements Target {
    private final int gate;
    private final Arena arena = Arena.ofShared();
    final AtomicInteger submitted = new AtomicInteger();
    final AtomicInteger queueCloses = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    /** Completions of its own operations that came while its handler was closed (must stay 0). */
    final AtomicInteger afterClose = new AtomicInteger();

    GatedTarget() throws ErrnoException {
        gate = Linux.eventfd(0, Linux.EFD_SEMAPHORE | Linux.EFD_CLOEXEC);
    }

    /** Lets {@code n} waiting operations complete. */
    void open(int n) throws ErrnoException {
        Linux.eventfdWrite(gate, n);
    }

    @Override
    public DiskGeometry geometry() {
        return new DiskGeometry(1L << 30, 512, 4096, false, false, false, false, 0, 0);
    }

    @Override
    public TargetQueue openQueue(QueueContext queue) {
        IoRequest[] out = new IoRequest[queue.queueDepth()];
        MemorySegment counters = arena.allocate(8L * queue.queueDepth(), 8);
        return new TargetQueue() {
            boolean closed;

            @Override
            public void submit(IoRequest request) {
                out[request.tag()] = request;
                submitted.incrementAndGet();
                queue.ring().sqe().read(gate, counters, 8L * request.tag(), 8, -1)
                        .userData(queue.userData(request.tag()));
            }

            @Override
            public void onCompletion(long cookie, int res, int flags) {
                if (closed) {
                    afterClose.incrementAndGet();
                }
                IoRequest r = out[(int) cookie];
                out[(int) cookie] = null;
                if (r != null) {
                    r.complete(res < 0 ? res : r.operation() == IoOperation.READ || r.operation() == IoOperation.WRITE
                            ? r.length() : 0);
                }
            }

            @Override
            public void close() {
                closed = true;
                queueCloses.incrementAndGet();
            }
        };
    }

    @Override
    public String describeJson() {
        return "{}";
    }

    @Override
    public void close() {
        if (closes.incrementAndGet() == 1) {
            try {
                Linux.close(gate);
            } catch (ErrnoException e) {
                throw new AssertionError(e);
            }
            arena.close();
        }
    }
}
