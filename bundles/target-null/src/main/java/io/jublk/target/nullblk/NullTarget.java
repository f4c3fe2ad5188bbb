package io.jublk.target.nullblk;

import io.jublk.target.DiskGeometry;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetQueue;

final class NullTarget implements Target {
    private final DiskGeometry geometry;

    NullTarget(DiskGeometry geometry) {
        this.geometry = geometry;
    }

    @Override
    public DiskGeometry geometry() {
        return geometry;
    }

    @Override
    public TargetQueue openQueue(QueueContext queue) {
        return new NullQueue(queue.queueDepth(), queue.maxIoBytes());
    }

    @Override
    public String describeJson() {
        return "{\"size\":" + geometry.sizeBytes() + "}";
    }

    @Override
    public void close() {
    }
}
