package io.jublk.core.queue;

import io.jublk.target.DiskGeometry;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetQueue;
import io.jublk.uring.IoUring;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file-backed target shaped like the loop target: one ring operation per request on a plain file, READ,
 * WRITE and FLUSH (fdatasync), labelled with the tag. It counts completions it did not expect: a
 * completion for a tag with nothing of its own in flight is someone else's.
 */
final class FileTarget implements Target {
    private final int fd;
    final AtomicInteger unexpected = new AtomicInteger();
    final AtomicInteger completions = new AtomicInteger();

    FileTarget(Path file) throws ErrnoException {
        fd = Linux.open(file.toString(), Linux.O_RDWR | Linux.O_CLOEXEC);
    }

    @Override
    public DiskGeometry geometry() {
        return new DiskGeometry(1L << 30, 512, 4096, false, false, true, false, 0, 0);
    }

    @Override
    public TargetQueue openQueue(QueueContext queue) {
        IoRequest[] out = new IoRequest[queue.queueDepth()];
        return new TargetQueue() {
            @Override
            public void submit(IoRequest r) {
                out[r.tag()] = r;
                var sqe = switch (r.operation()) {
                    case READ -> queue.ring().sqe().read(fd, r.buffer(), 0, r.length(), r.offset());
                    case WRITE -> queue.ring().sqe().write(fd, r.buffer(), 0, r.length(), r.offset());
                    case FLUSH -> queue.ring().sqe().fsync(fd, IoUring.FSYNC_DATASYNC);
                    default -> null;
                };
                if (sqe == null) {
                    out[r.tag()] = null;
                    r.complete(-95);
                    return;
                }
                sqe.userData(queue.userData(r.tag()));
            }

            @Override
            public void onCompletion(long cookie, int res, int flags) {
                completions.incrementAndGet();
                IoRequest r = out[(int) cookie];
                if (r == null) {
                    unexpected.incrementAndGet();
                    return;
                }
                out[(int) cookie] = null;
                r.complete(res);
            }
        };
    }

    @Override
    public String describeJson() {
        return "{}";
    }

    @Override
    public void close() {
        try {
            Linux.close(fd);
        } catch (ErrnoException e) {
            throw new AssertionError(e);
        }
    }
}
