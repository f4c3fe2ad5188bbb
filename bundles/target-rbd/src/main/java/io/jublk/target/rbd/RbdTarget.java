package io.jublk.target.rbd;

import io.jublk.target.DiskGeometry;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetQueue;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's RBD image, open once (one cluster connection) and shared by the device's queues.
 *
 * <ul>
 * <li>Size: the image's, rounded down to 512 bytes. Logical block 512, physical 4096; not rotational.</li>
 * <li>No volatile cache: librbd's cache is off, so every write is on the OSDs when it completes (FUA and
 *     FLUSH have nothing left to do, and the kernel is told so).</li>
 * <li>DISCARD / WRITE_ZEROES up to 1 GiB each, discard granularity = the image's object size; none on a
 *     read-only disk.</li>
 * <li>A writable image with exclusive-lock is locked for this disk ({@link ImageLock}).</li>
 * </ul>
 */
final class RbdTarget implements Target {
    private static final Logger LOG = LoggerFactory.getLogger(RbdTarget.class);
    static final long MAX_DISCARD = 1L << 30;
    private static final String[] FEATURES = {"layering", "striping", "exclusive-lock", "object-map", "fast-diff",
        "deep-flatten", "journaling", "data-pool", "operations", "migrating", "non-primary", "dirty-cache"};

    private final RbdImage image;
    private final String lockKey;
    private final DiskGeometry geometry;
    private boolean closed;

    private RbdTarget(RbdImage image, String lockKey) throws TargetException {
        this.image = image;
        this.lockKey = lockKey;
        long size = image.size / 512 * 512;
        if (size < 512) {
            throw new TargetException(image.settings.name() + " is smaller than one 512-byte block");
        }
        boolean ro = image.settings.readOnly();
        int granularity = (int) Math.min(Math.max(image.objectSize, 4096), 1L << 30);
        this.geometry = new DiskGeometry(size, 512, 4096, ro, false, false, false, ro ? 0 : MAX_DISCARD,
                ro ? 0 : granularity);
    }

    static RbdTarget open(RbdSettings settings) throws TargetException {
        RbdImage image = RbdImage.open(settings);
        String lockKey = null;
        try {
            if (!settings.readOnly() && image.hasExclusiveLock()) {
                lockKey = ImageLock.claim(image);
            }
            RbdTarget t = new RbdTarget(image, lockKey);
            LOG.info("rbd: opened {} ({} bytes, features {}, cluster {})", settings.name(), image.size,
                    featureNames(image.features), image.fsid);
            return t;
        } catch (TargetException | RuntimeException | Error e) {
            if (lockKey != null) {
                ImageLock.released(lockKey);
            }
            image.close();
            throw e;
        }
    }

    static List<String> featureNames(long features) {
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((features & (1L << bit)) != 0) {
                names.add(bit < FEATURES.length ? FEATURES[bit] : "bit" + bit);
            }
        }
        return names;
    }

    @Override
    public DiskGeometry geometry() {
        return geometry;
    }

    @Override
    public TargetQueue openQueue(QueueContext queue) {
        return new RbdQueue(image.lib(), image.image, geometry.readOnly(), queue.queueDepth());
    }

    RbdImage image() {
        return image;
    }

    @Override
    public String describeJson() {
        StringBuilder b = new StringBuilder("{\"pool\":");
        quote(b, image.settings.pool());
        b.append(",\"image\":");
        quote(b, image.settings.image());
        b.append(",\"size\":").append(image.size).append(",\"features\":[");
        List<String> names = featureNames(image.features);
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            quote(b, names.get(i));
        }
        b.append("],\"fsid\":");
        quote(b, image.fsid);
        b.append(",\"client\":");
        quote(b, "client." + image.settings.id());
        b.append(",\"readOnly\":").append(geometry.readOnly())
                .append(",\"exclusiveLock\":").append(lockKey != null)
                .append(",\"cache\":\"off\"}");
        return b.toString();
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                image.close(); // releases the exclusive lock
            } finally {
                if (lockKey != null) {
                    ImageLock.released(lockKey);
                }
            }
        }
    }
}
