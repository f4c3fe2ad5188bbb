package io.jublk.target.rbd;

import java.util.LinkedHashMap;
import java.util.Map;
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
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("pool", image.settings.pool());
        d.put("image", image.settings.image());
        d.put("size", image.size);
        d.put("features", featureNames(image.features));
        d.put("fsid", image.fsid);
        d.put("client", "client." + image.settings.id());
        d.put("readOnly", geometry.readOnly());
        d.put("exclusiveLock", lockKey != null);
        d.put("cache", "off");
        return d;
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
