package io.jublk.target.rbd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jublk.target.TargetException;
import io.jublk.uring.sys.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open RBD image: its own cluster connection ({@code rados_t}), pool context and image handle, with what
 * the target reports about it. librbd's cache is off, so a write librbd acknowledges is on the OSDs.
 *
 * <p>Opening is bounded: monitor operations time out after {@link RbdSettings#timeoutSeconds()}
 * ({@code client_mount_timeout}, {@code rados_mon_op_timeout}), and the whole sequence runs on a helper
 * thread that is given up on after that time plus 5 s (an image open waits for the OSDs, which have no
 * time-out of their own here); a late success is closed by that thread.
 */
final class RbdImage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RbdImage.class);
    private static final int ENOENT = 2;
    private static final int EPERM = 1;
    private static final int EACCES = 13;
    private static final int ETIMEDOUT = 110;
    private static final int EINVAL = 22;
    private static final int INFO_OBJ_SIZE = 8;
    private static final int INFO_BYTES = 256;

    final RbdSettings settings;
    final MemorySegment cluster;
    final MemorySegment ioctx;
    final MemorySegment image;
    final long size;
    final long features;
    final long objectSize;
    final String fsid;
    final long instanceId;
    private final Librbd lib;
    private boolean closed;

    private RbdImage(Librbd lib, RbdSettings settings, MemorySegment cluster, MemorySegment ioctx,
                     MemorySegment image) throws Throwable {
        this.lib = lib;
        this.settings = settings;
        this.cluster = cluster;
        this.ioctx = ioctx;
        this.image = image;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check((int) lib.getSize.invokeExact(image, out), "reading the size of " + settings.name());
            size = out.get(JAVA_LONG, 0);
            check((int) lib.getFeatures.invokeExact(image, out), "reading the features of " + settings.name());
            features = out.get(JAVA_LONG, 0);
            MemorySegment info = arena.allocate(INFO_BYTES, 8);
            check((int) lib.stat.invokeExact(image, info, (long) INFO_BYTES), "stat of " + settings.name());
            objectSize = info.get(JAVA_LONG, INFO_OBJ_SIZE);
            MemorySegment buf = arena.allocate(64);
            int n = (int) lib.radosClusterFsid.invokeExact(cluster, buf, 64L);
            fsid = n > 0 ? buf.getString(0) : "";
            instanceId = (long) lib.radosGetInstanceId.invokeExact(cluster);
        }
    }

    /** Connects to the cluster and opens the image; a one-line {@link TargetException} when it cannot. */
    static RbdImage open(RbdSettings settings) throws TargetException {
        Librbd lib;
        try {
            lib = Librbd.get();
        } catch (IllegalStateException e) {
            throw new TargetException("rbd is unavailable: " + e.getMessage(), e);
        }
        CompletableFuture<RbdImage> opened = new CompletableFuture<>();
        Thread opener = Thread.ofPlatform().daemon().name("rbd-open " + settings.name()).start(() -> {
            try {
                RbdImage img = connectAndOpen(lib, settings);
                if (!opened.complete(img)) {
                    LOG.info("rbd: {} opened after the caller gave up; closing it", settings.name());
                    img.close();
                }
            } catch (Throwable t) {
                opened.completeExceptionally(t);
            }
        });
        try {
            return opened.get(settings.timeoutSeconds() + 5L, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            opened.completeExceptionally(e);
            throw new TargetException("opening " + settings.name() + " took longer than "
                    + (settings.timeoutSeconds() + 5) + " s: are the cluster's OSDs up?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            opener.interrupt();
            throw new TargetException("interrupted while opening " + settings.name(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TargetException t) {
                throw t;
            }
            throw new TargetException("opening " + settings.name() + " failed: " + cause, cause);
        }
    }

    private static RbdImage connectAndOpen(Librbd lib, RbdSettings s) throws Throwable {
        MemorySegment cluster = MemorySegment.NULL;
        MemorySegment ioctx = MemorySegment.NULL;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(ADDRESS);
            check((int) lib.radosCreate2.invokeExact(handle, arena.allocateFrom("ceph"),
                    arena.allocateFrom("client." + s.id()), 0L), "creating a Ceph client");
            cluster = handle.get(ADDRESS, 0);
            MemorySegment conf = s.conf() == null ? MemorySegment.NULL : arena.allocateFrom(s.conf());
            int rc = (int) lib.radosConfReadFile.invokeExact(cluster, conf);
            if (rc < 0) {
                throw new TargetException(s.conf() == null
                        ? "no Ceph configuration found (give --conf FILE): " + errno(rc)
                        : "cannot read " + s.conf() + ": " + errno(rc));
            }
            String timeout = Integer.toString(s.timeoutSeconds());
            set(lib, arena, cluster, "client_mount_timeout", timeout);
            set(lib, arena, cluster, "rados_mon_op_timeout", timeout);
            // No writeback cache: a write librbd acknowledges is on the OSDs, not only in this process.
            set(lib, arena, cluster, "rbd_cache", "false");
            set(lib, arena, cluster, "log_to_stderr", "false");
            set(lib, arena, cluster, "err_to_stderr", "false");
            if (s.keyring() != null) {
                set(lib, arena, cluster, "keyring", s.keyring());
            }
            rc = (int) lib.radosConnect.invokeExact(cluster);
            if (rc < 0) {
                throw new TargetException(connectError(s, rc));
            }
            handle.set(ADDRESS, 0, MemorySegment.NULL);
            rc = (int) lib.radosIoctxCreate.invokeExact(cluster, arena.allocateFrom(s.pool()), handle);
            if (rc < 0) {
                throw new TargetException(rc == -ENOENT ? "pool " + s.pool() + " does not exist"
                        : "cannot open pool " + s.pool() + ": " + errno(rc));
            }
            ioctx = handle.get(ADDRESS, 0);
            handle.set(ADDRESS, 0, MemorySegment.NULL);
            MemorySegment name = arena.allocateFrom(s.image());
            rc = s.readOnly()
                    ? (int) lib.openReadOnly.invokeExact(ioctx, name, handle, MemorySegment.NULL)
                    : (int) lib.open.invokeExact(ioctx, name, handle, MemorySegment.NULL);
            if (rc < 0) {
                throw new TargetException(rc == -ENOENT ? "image " + s.image() + " does not exist in pool " + s.pool()
                        : "cannot open " + s.name() + ": " + errno(rc));
            }
            MemorySegment image = handle.get(ADDRESS, 0);
            try {
                return new RbdImage(lib, s, cluster, ioctx, image);
            } catch (Throwable t) {
                int ignored = (int) lib.close.invokeExact(image);
                throw t;
            }
        } catch (Throwable t) {
            if (!ioctx.equals(MemorySegment.NULL)) {
                lib.radosIoctxDestroy.invokeExact(ioctx);
            }
            if (!cluster.equals(MemorySegment.NULL)) {
                lib.radosShutdown.invokeExact(cluster);
            }
            throw t;
        }
    }

    private static String connectError(RbdSettings s, int rc) {
        String who = "client." + s.id();
        return switch (-rc) {
            case ETIMEDOUT -> "cannot reach the Ceph monitors within " + s.timeoutSeconds() + " s (as " + who + ")";
            case EPERM, EACCES -> "the Ceph cluster refused " + who + "'s credentials";
            case ENOENT -> "no key for " + who + " (give --keyring FILE)";
            case EINVAL -> "the Ceph configuration is incomplete (no monitors?): " + errno(rc);
            default -> "cannot connect to the Ceph cluster as " + who + ": " + errno(rc);
        };
    }

    private static void set(Librbd lib, Arena arena, MemorySegment cluster, String option, String value)
            throws Throwable {
        check((int) lib.radosConfSet.invokeExact(cluster, arena.allocateFrom(option), arena.allocateFrom(value)),
                "setting " + option);
    }

    static void check(int rc, String what) throws TargetException {
        if (rc < 0) {
            throw new TargetException(what + " failed: " + errno(rc));
        }
    }

    /** {@code -errno} as "NAME (n)" where the name is known. */
    static String errno(long rc) {
        Errno e = Errno.of((int) -rc);
        return e != null ? e.description() + " (" + e.name() + ")" : "error " + rc;
    }

    boolean hasExclusiveLock() {
        return (features & Librbd.FEATURE_EXCLUSIVE_LOCK) != 0;
    }

    Librbd lib() {
        return lib;
    }

    /**
     * Closes the image (releasing its exclusive lock), the pool context and the cluster connection. Bounded like
     * the open: librbd waits for the OSDs to release the lock and finish what is in flight, so with the cluster
     * gone the close goes on on its own thread after {@link RbdSettings#timeoutSeconds()} + 5 s, and the caller
     * (the core, detaching the target) is not held.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Thread closer = Thread.ofPlatform().daemon().name("rbd-close " + settings.name()).start(this::closeNow);
        try {
            closer.join(Duration.ofSeconds(settings.timeoutSeconds() + 5L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            LOG.warn("rbd: closing {} takes longer than {} s (cluster unreachable?); it goes on in the background",
                    settings.name(), settings.timeoutSeconds() + 5);
        }
    }

    private void closeNow() {
        try {
            int rc = (int) lib.close.invokeExact(image);
            if (rc < 0) {
                LOG.warn("rbd: closing {}: {}", settings.name(), errno(rc));
            }
            lib.radosIoctxDestroy.invokeExact(ioctx);
            lib.radosShutdown.invokeExact(cluster);
        } catch (Throwable t) {
            LOG.error("rbd: closing {} failed", settings.name(), t);
        }
    }
}
