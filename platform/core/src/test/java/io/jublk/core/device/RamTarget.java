package io.jublk.core.device;

import io.jublk.target.DiskGeometry;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A test target keeping the disk in memory, so a test can compare what the kernel wrote. */
final class RamTarget implements Target {
    final Arena arena = Arena.ofShared();
    final MemorySegment disk;
    private final DiskGeometry geometry;
    private final boolean ownsDisk;

    RamTarget(long size) {
        disk = arena.allocate(size, 4096);
        geometry = new DiskGeometry(size, 512, 4096, false, false, true, false, 0, 0);
        ownsDisk = true;
    }

    /** A target over {@code disk}, which outlives it: replacements of one another share the data. */
    RamTarget(MemorySegment disk) {
        this.disk = disk;
        geometry = new DiskGeometry(disk.byteSize(), 512, 4096, false, false, true, false, 0, 0);
        ownsDisk = false;
    }

    @Override
    public DiskGeometry geometry() {
        return geometry;
    }

    @Override
    public TargetQueue openQueue(QueueContext queue) {
        return this::serve;
    }

    private void serve(IoRequest r) {
        switch (r.operation()) {
            case READ -> MemorySegment.copy(disk, r.offset(), r.buffer(), 0, r.length());
            case WRITE -> MemorySegment.copy(r.buffer(), 0, disk, r.offset(), r.length());
            default -> { }
        }
        r.complete(r.length());
    }

    @Override
    public String describeJson() {
        return "{}";
    }

    @Override
    public void close() {
        if (ownsDisk) {
            arena.close();
        }
    }
}
