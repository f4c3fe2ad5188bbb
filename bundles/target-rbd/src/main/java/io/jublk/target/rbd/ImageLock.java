package io.jublk.target.rbd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jublk.target.TargetException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may write an image with the exclusive-lock feature: one jublk disk at a time, the lock as the fence.
 *
 * <p>A writable rbd disk takes the image's exclusive lock when it opens ({@code rbd_lock_acquire}: librbd then
 * does not hand it to other clients that ask) and records itself in the image metadata key
 * {@value #HOLDER_KEY} as "OWNER HOST PID START" (OWNER: the lock owner as librbd names it, the client's
 * address, e.g. 127.0.0.1:0/3211961711; START: the process's start time in ms). If the lock is
 * held when a disk opens:
 * <ul>
 * <li>by a jublk process on this host that is dead (kill -9, crash): the lock is broken, which blocklists
 *     the dead client (Ceph's fencing: its writes in flight can no longer land), and taken;</li>
 * <li>by this process, through a disk no longer open in this bundle (a target bundle replaced in place,
 *     whose old image was not closed yet): broken the same way, so the old one cannot write after the new one;</li>
 * <li>by anyone else (a live jublk, here or on another host, rbd-nbd, krbd, a VM): refused, in one line.</li>
 * </ul>
 * A dead holder on another host is left to librbd: once its watch has expired (30 s) librbd breaks the lock
 * itself at the next open. Images without exclusive-lock are not locked (any number of writers).
 */
final class ImageLock {
    private static final Logger LOG = LoggerFactory.getLogger(ImageLock.class);
    static final String HOLDER_KEY = "jublk.lock-holder";
    private static final int ENOENT = 2;
    private static final int MAX_OWNERS = 8;
    /** Images open for writing by this bundle (fsid/pool/image): a second open here is a second writer. */
    private static final Set<String> OPEN_HERE = ConcurrentHashMap.newKeySet();

    private ImageLock() {
    }

    /** Takes {@code img}'s exclusive lock (see the class comment). Returns a key for {@link #released}. */
    static String claim(RbdImage img) throws TargetException {
        String key = key(img);
        if (!OPEN_HERE.add(key)) {
            throw new TargetException(img.settings.name() + " is already served by a disk of this server");
        }
        try {
            Librbd lib = img.lib();
            List<String> owners = owners(lib, img.image);
            if (!owners.isEmpty()) {
                String holder = metadata(lib, img.image, HOLDER_KEY).orElse("");
                for (String owner : owners) {
                    String why = breakable(owner, holder);
                    if (why == null) {
                        throw new TargetException(img.settings.name() + " is in use by " + owner
                                + (holder.startsWith(owner + " ") ? " (jublk " + describe(holder) + ")" : "")
                                + ": refusing a second writer");
                    }
                    LOG.warn("rbd: breaking the lock of {} held by {} ({}); Ceph blocklists that client",
                            img.settings.name(), owner, why);
                    int rc;
                    try (Arena arena = Arena.ofConfined()) {
                        rc = (int) lib.lockBreak.invokeExact(img.image, Librbd.LOCK_MODE_EXCLUSIVE,
                                arena.allocateFrom(owner));
                    }
                    if (rc < 0 && rc != -ENOENT) {
                        throw new TargetException("cannot break the lock of " + img.settings.name() + " held by "
                                + owner + ": " + RbdImage.errno(rc));
                    }
                }
            }
            int rc = (int) lib.lockAcquire.invokeExact(img.image, Librbd.LOCK_MODE_EXCLUSIVE);
            if (rc < 0) {
                List<String> now = owners(lib, img.image);
                throw new TargetException("cannot take the exclusive lock of " + img.settings.name()
                        + (now.isEmpty() ? "" : " (held by " + String.join(", ", now) + ")") + ": "
                        + RbdImage.errno(rc));
            }
            List<String> mine = owners(lib, img.image);
            String me = (mine.isEmpty() ? "?" : mine.getFirst()) + " " + host() + " "
                    + ProcessHandle.current().pid() + " " + startMillis(ProcessHandle.current());
            try (Arena arena = Arena.ofConfined()) {
                rc = (int) lib.metadataSet.invokeExact(img.image, arena.allocateFrom(HOLDER_KEY),
                        arena.allocateFrom(me));
            }
            if (rc < 0) {
                LOG.warn("rbd: cannot record the lock holder of {}: {}", img.settings.name(), RbdImage.errno(rc));
            }
            return key;
        } catch (TargetException | RuntimeException | Error e) {
            OPEN_HERE.remove(key);
            throw e;
        } catch (Throwable t) {
            OPEN_HERE.remove(key);
            throw Librbd.unexpected(t);
        }
    }

    static String key(RbdImage img) {
        return img.fsid + "/" + img.settings.name();
    }

    /** The disk of {@code key} (from {@link #claim}) is closed. */
    static void released(String key) {
        OPEN_HERE.remove(key);
    }

    /** Why the lock of {@code owner} may be broken, or null when it may not. */
    static String breakable(String owner, String holder) {
        String[] f = holder.split(" ");
        if (f.length != 4 || !f[0].equals(owner) || !f[1].equals(host())) {
            return null;
        }
        long pid;
        long start;
        try {
            pid = Long.parseLong(f[2]);
            start = Long.parseLong(f[3]);
        } catch (NumberFormatException e) {
            return null;
        }
        if (pid == ProcessHandle.current().pid()) {
            return "a disk of this process that was replaced";
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive() || startMillis(p.get()) != start) {
            return "its jublk process " + pid + " on this host is gone";
        }
        return null;
    }

    private static String describe(String holder) {
        String[] f = holder.split(" ");
        return f.length == 4 ? "pid " + f[2] + " on " + f[1] : holder;
    }

    private static long startMillis(ProcessHandle p) {
        return p.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    }

    static String host() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /** The exclusive lock's owners (client addresses), none when unlocked. Not on a read-only image (EINVAL). */
    static List<String> owners(Librbd lib, MemorySegment image) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mode = arena.allocate(JAVA_INT);
            MemorySegment list = arena.allocate(ADDRESS, MAX_OWNERS);
            MemorySegment count = arena.allocate(JAVA_LONG);
            count.set(JAVA_LONG, 0, MAX_OWNERS);
            int rc = (int) lib.lockGetOwners.invokeExact(image, mode, list, count);
            if (rc == -ENOENT) {
                return List.of();
            }
            RbdImage.check(rc, "listing the lock owners");
            long n = count.get(JAVA_LONG, 0);
            List<String> owners = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                owners.add(list.getAtIndex(ADDRESS, i).reinterpret(256).getString(0));
            }
            lib.lockGetOwnersCleanup.invokeExact(list, n);
            return owners;
        }
    }

    static Optional<String> metadata(Librbd lib, MemorySegment image, String key) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(512);
            MemorySegment length = arena.allocate(JAVA_LONG);
            length.set(JAVA_LONG, 0, 512);
            int rc = (int) lib.metadataGet.invokeExact(image, arena.allocateFrom(key), value, length);
            return rc < 0 ? Optional.empty() : Optional.of(value.getString(0));
        }
    }
}
