package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an image from being written by two users at once (two jublk devices, in this JVM or another, or
 * QEMU): QEMU's image locking scheme, so each side sees the other. Open file description locks (fcntl
 * F_OFD_SETLK, which closing another fd of the file does not drop) on a separate read-only fd: a shared
 * lock on byte 100 + bit for each permission held, on byte 200 + bit for each permission refused to others.
 * A writer holds "consistent read" (bit 0) and "write" (bit 1) and refuses "write" and "resize" (bit 3);
 * a reader holds "consistent read" and refuses "write". The locks are taken, then others' are checked,
 * as QEMU does. On a file system without such locks the image is opened unlocked, with a warning.
 */
final class ImageLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ImageLock.class);
    private static final int PERM_BASE = 100;
    private static final int SHARED_BASE = 200;
    private static final int READ = 0;
    private static final int WRITE = 1;
    private static final int RESIZE = 3;
    private static final String[] NAMES = {"consistent read", "write", "write unchanged", "resize"};

    private final int fd;

    private ImageLock(int fd) {
        this.fd = fd;
    }

    /** Locks {@code file} for reading, or reading and writing; fails with one line when another user conflicts. */
    static ImageLock acquire(Path file, boolean write) throws Qcow2Exception {
        int[] held = write ? new int[] {READ, WRITE} : new int[] {READ};
        int[] refused = write ? new int[] {WRITE, RESIZE} : new int[] {WRITE};
        int fd;
        try {
            fd = Linux.open(file.toString(), Linux.O_RDONLY | Linux.O_CLOEXEC);
        } catch (ErrnoException e) {
            throw new Qcow2Exception("cannot open " + file + ": " + e.getMessage(), e);
        }
        ImageLock lock = new ImageLock(fd);
        try {
            for (int p : held) {
                lock.take(file, PERM_BASE + p, p);
            }
            for (int p : refused) {
                lock.take(file, SHARED_BASE + p, p);
            }
            // someone refuses what we need, or holds what we refuse
            for (int p : held) {
                lock.check(file, SHARED_BASE + p, p);
            }
            for (int p : refused) {
                lock.check(file, PERM_BASE + p, p);
            }
            return lock;
        } catch (ErrnoException e) {
            LOG.warn("{}: no image locking on this file system ({}); not protected against a second user", file,
                    e.getMessage());
            return lock;
        } catch (Qcow2Exception e) {
            lock.close();
            throw e;
        }
    }

    private void take(Path file, int offset, int perm) throws ErrnoException, Qcow2Exception {
        if (!Linux.ofdLock(fd, Linux.F_RDLCK, offset, 1)) {
            throw inUse(file, perm);
        }
    }

    private void check(Path file, int offset, int perm) throws ErrnoException, Qcow2Exception {
        if (Linux.ofdLockConflicts(fd, Linux.F_WRLCK, offset, 1)) {
            throw inUse(file, perm);
        }
    }

    private static Qcow2Exception inUse(Path file, int perm) {
        return new Qcow2Exception(file + " is in use (another user holds or refuses its \"" + NAMES[perm]
                + "\" lock: a jublk device or QEMU)");
    }

    /** Drops the locks (closing their file description). */
    @Override
    public void close() {
        try {
            Linux.close(fd);
        } catch (ErrnoException e) {
            LOG.debug("closing the lock fd of an image: {}", e.getMessage());
        }
    }
}
