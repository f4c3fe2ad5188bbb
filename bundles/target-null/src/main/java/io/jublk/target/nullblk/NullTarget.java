package io.jublk.target.nullblk;

import java.util.Map;
import io.jublk.target.DiskGeometry;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetQueue;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class NullTarget implements Target {
    private static final Logger LOG = LoggerFactory.getLogger(NullTarget.class);
    private final DiskGeometry geometry;
    /** /dev/zero, open for reading: the zeroes of zero-copy reads. */
    private final int zeroFd;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    NullTarget(DiskGeometry geometry, int zeroFd) {
        this.geometry = geometry;
        this.zeroFd = zeroFd;
    }

    @Override
    public DiskGeometry geometry() {
        return geometry;
    }

    @Override
    public TargetQueue openQueue(QueueContext queue) {
        Ring ring;
        try {
            ring = queue.ring();
        } catch (UnsupportedOperationException e) {
            ring = null; // a harness without a ring: copy mode only
        }
        int fixed = ring == null ? -1 : queue.registerFile(zeroFd);
        return new NullQueue(queue, queue.queueDepth(), queue.maxIoBytes(), ring, fixed >= 0 ? fixed : zeroFd, fixed >= 0);
    }

    /** Zero copy: writes never touch their data, reads are zeroed in place (see {@link NullQueue}). */
    @Override
    public boolean acceptsRegisteredBuffers() {
        return true;
    }

    @Override
    public Map<String, Object> describe() {
        return Map.of("size", geometry.sizeBytes());
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return; // a second close must not close whatever file has the number by now
        }
        try {
            Linux.close(zeroFd);
        } catch (ErrnoException e) {
            LOG.debug("closing /dev/zero: {}", e.getMessage());
        }
    }
}
