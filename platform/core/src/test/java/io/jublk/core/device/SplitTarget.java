package io.jublk.core.device;

import io.jublk.target.DiskGeometry;
import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetQueue;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test target that takes registered buffers and serves them in two ways, by the request's offset: in even
 * MiB with fixed-buffer reads and writes of a tmpfs file on the queue's ring, in odd MiB by asking for the
 * data in memory ({@link IoRequest#moveDataToBuffer()}) and copying it from or to the file's mapping, as an
 * image format's slow path would. Requests that come with their data in the buffer are copied too.
 */
final class SplitTarget implements Target {
    final MemorySegment disk;
    final AtomicLong fixedOperations = new AtomicLong();
    final AtomicLong movedToBuffer = new AtomicLong();
    final AtomicLong servedInMemory = new AtomicLong();
    private final Arena arena = Arena.ofShared();
    private final Path file;
    private final int fd;
    private final DiskGeometry geometry;

    SplitTarget(long size) throws IOException {
        file = Files.createTempFile(Path.of("/dev/shm"), "jublk-split", ".img");
        try {
            try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(size);
            }
            fd = Linux.open(file.toString(), Linux.O_RDWR | Linux.O_CLOEXEC);
            disk = Linux.mmap(size, Linux.PROT_READ | Linux.PROT_WRITE, Linux.MAP_SHARED, fd, 0, arena);
        } catch (ErrnoException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        geometry = new DiskGeometry(size, 512, 4096, false, false, true, false, 0, 0);
    }

    @Override
    public DiskGeometry geometry() {
        return geometry;
    }

    @Override
    public boolean acceptsRegisteredBuffers() {
        return true;
    }

    @Override
    public TargetQueue openQueue(QueueContext queue) {
        return new SplitQueue(queue, queue.ring(), queue.queueDepth());
    }

    private final class SplitQueue implements TargetQueue {
        private final Ring ring;
        private final QueueContext context;
        private final IoRequest[] inFlight;

        SplitQueue(QueueContext context, Ring ring, int depth) {
            this.context = context;
            this.ring = ring;
            this.inFlight = new IoRequest[depth];
        }

        @Override
        public void submit(IoRequest r) {
            boolean moves = r.operation() == IoOperation.READ || r.operation() == IoOperation.WRITE;
            if (moves && r.bufferIndex() != IoRequest.IN_BUFFER) {
                if (((r.offset() >> 20) & 1) == 0) {
                    fixedOperations.incrementAndGet();
                    inFlight[r.tag()] = r;
                    var sqe = r.operation() == IoOperation.READ
                            ? ring.sqe().readRegistered(fd, r.bufferIndex(), 0, r.length(), r.offset())
                            : ring.sqe().writeRegistered(fd, r.bufferIndex(), 0, r.length(), r.offset());
                    sqe.userData(context.userData(r.tag()));
                    return;
                }
                movedToBuffer.incrementAndGet();
                if (!r.moveDataToBuffer()) {
                    return; // the core failed it
                }
            }
            if (moves) {
                servedInMemory.incrementAndGet();
                if (r.operation() == IoOperation.READ) {
                    MemorySegment.copy(disk, r.offset(), r.buffer(), 0, r.length());
                } else {
                    MemorySegment.copy(r.buffer(), 0, disk, r.offset(), r.length());
                }
            }
            r.complete(r.length());
        }

        @Override
        public void onCompletion(long cookie, int res, int flags) {
            int tag = (int) cookie;
            IoRequest r = inFlight[tag];
            inFlight[tag] = null;
            r.complete(res == r.length() ? res : res < 0 ? res : -5);
        }
    }

    @Override
    public String describeJson() {
        return "{}";
    }

    @Override
    public void close() {
        arena.close();
        try {
            Linux.close(fd);
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
