package io.jublk.core.device;

import io.jublk.target.DiskGeometry;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test target that sits on every request until the test answers it ({@link #answerAll}), from the test's
 * thread: a hung target, or a slow one, with no ring operation of its own.
 */
final class HoldingTarget implements Target {
    private final ConcurrentLinkedQueue<IoRequest> held = new ConcurrentLinkedQueue<>();
    private final DiskGeometry geometry;
    final AtomicInteger submitted = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();

    HoldingTarget(long size) {
        geometry = new DiskGeometry(size, 512, 4096, false, false, true, false, 0, 0);
    }

    /** Answers every request it holds now as fully done; how many. */
    int answerAll() {
        int n = 0;
        for (IoRequest r = held.poll(); r != null; r = held.poll()) {
            r.complete(r.length());
            n++;
        }
        return n;
    }

    @Override
    public DiskGeometry geometry() {
        return geometry;
    }

    @Override
    public TargetQueue openQueue(QueueContext queue) {
        return request -> {
            submitted.incrementAndGet();
            held.add(request);
        };
    }

    @Override
    public String describeJson() {
        return "{}";
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }
}
