package io.jublk.target.loop;

import java.util.LinkedHashMap;
import java.util.Map;
import io.jublk.target.DiskGeometry;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetQueue;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.FileStat;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's backing file or block device, open once and shared by the device's queues.
 *
 * <ul>
 * <li>O_DIRECT unless {@code --buffered-io}, or unless the file system refuses it (at open, or on a probe
 *     read of one logical block): then buffered I/O, with a warning in the log and in {@link #describe()}.</li>
 * <li>Read-write unless {@code --read-only}, or unless the backing cannot be opened for writing (EROFS,
 *     EACCES, EPERM): then a read-only disk, with a warning.</li>
 * <li>A block device is opened with O_EXCL: one that is mounted or held exclusively elsewhere is refused
 *     as busy (and a second loop device over the same block device too, by design).</li>
 * <li>Geometry: size minus offset, rounded down to the logical block; logical block BLKSSZGET (512 for a
 *     file); physical block BLKPBSZGET (4096 for a file); rotational from sysfs for a block device;
 *     volatile cache and FUA for a writable disk (FLUSH is fdatasync, FUA is RWF_DSYNC).</li>
 * <li>DISCARD and WRITE_ZEROES are advertised only when the backing can do them: a regular file whose
 *     file system punches holes (probed past the end of the file, which changes nothing), or a block
 *     device whose queue reports discard support. See {@link LoopQueue} for what each request becomes.</li>
 * </ul>
 */
final class LoopTarget implements Target {
    private static final Logger LOG = LoggerFactory.getLogger(LoopTarget.class);
    private static final int FILE_LOGICAL_BLOCK = 512;
    private static final int FILE_PHYSICAL_BLOCK = 4096;
    /** Largest DISCARD / WRITE_ZEROES advertised: one fallocate call each. */
    static final long MAX_DISCARD_BYTES = 1L << 30;

    private final String file;
    private final int fd;
    private final long offset;
    private final DiskGeometry geometry;
    private final boolean direct;
    private final boolean blockDevice;
    private final String warning;
    /** /dev/zero: zeroes for reads past the end of a shrunk backing file, in zero copy. */
    private final int zeroFd;
    private volatile boolean closed;

    private LoopTarget(String file, int fd, long offset, DiskGeometry geometry, boolean direct, boolean blockDevice,
                       String warning, int zeroFd) {
        this.file = file;
        this.fd = fd;
        this.offset = offset;
        this.geometry = geometry;
        this.direct = direct;
        this.blockDevice = blockDevice;
        this.warning = warning;
        this.zeroFd = zeroFd;
    }

    static LoopTarget open(String file, long offset, boolean buffered, boolean readOnlyAsked) throws TargetException {
        if (offset < 0) {
            throw new TargetException("--offset must not be negative: " + offset);
        }
        FileStat stat = statOf(file);
        if (!stat.isRegularFile() && !stat.isBlockDevice()) {
            throw new TargetException(file + " is " + typeName(stat) + ", not a regular file or block device");
        }
        boolean blockDevice = stat.isBlockDevice();
        StringBuilder warnings = new StringBuilder();
        boolean readOnly = readOnlyAsked;
        boolean direct = !buffered;
        int fd = -1;
        try {
            for (;;) {
                int flags = (readOnly ? Linux.O_RDONLY : Linux.O_RDWR) | Linux.O_CLOEXEC
                        | (direct ? Linux.O_DIRECT : 0) | (blockDevice ? Linux.O_EXCL : 0);
                try {
                    fd = Linux.open(file, flags);
                    break;
                } catch (ErrnoException e) {
                    Errno error = e.error();
                    if (!readOnly && (error == Errno.EROFS || error == Errno.EACCES || error == Errno.EPERM)) {
                        readOnly = true;
                        warn(warnings, file + " cannot be opened for writing (" + error + "); the disk is read-only");
                    } else if (direct && error == Errno.EINVAL) {
                        direct = false;
                        warn(warnings, "the file system of " + file + " refuses O_DIRECT; using buffered I/O");
                    } else {
                        throw openError(file, e);
                    }
                }
            }
            long size;
            int logical;
            int physical;
            if (blockDevice) {
                size = Linux.blockDeviceSize(fd);
                logical = Linux.logicalBlockSize(fd);
                physical = Math.max(logical, Linux.physicalBlockSize(fd));
            } else {
                size = Linux.fstat(fd).size();
                logical = FILE_LOGICAL_BLOCK;
                physical = FILE_PHYSICAL_BLOCK;
            }
            if (logical < 512 || logical > 4096 || Integer.bitCount(logical) != 1) {
                throw new TargetException(file + " has a logical block size of " + logical
                        + " bytes; ublk takes 512 to 4096");
            }
            if (offset % logical != 0) {
                throw new TargetException("--offset must be a multiple of the logical block size " + logical
                        + " of " + file + ": " + offset);
            }
            if (offset >= size) {
                throw new TargetException("--offset " + offset + " is not inside " + file + " (" + size + " bytes)");
            }
            long diskSize = (size - offset) / logical * logical;
            if (diskSize <= 0) {
                throw new TargetException(file + " is too small: " + size + " bytes leave less than one "
                        + logical + "-byte block after the offset " + offset);
            }
            if (direct && !directReadWorks(fd, offset, logical, file)) {
                Linux.close(fd);
                fd = -1;
                direct = false;
                int flags = (readOnly ? Linux.O_RDONLY : Linux.O_RDWR) | Linux.O_CLOEXEC
                        | (blockDevice ? Linux.O_EXCL : 0);
                try {
                    fd = Linux.open(file, flags);
                } catch (ErrnoException e) {
                    throw openError(file, e);
                }
                warn(warnings, "the file system of " + file + " refuses O_DIRECT I/O; using buffered I/O");
            }
            boolean discard = !readOnly && (blockDevice ? blockDeviceDiscards(stat) : punchesHoles(fd, size));
            long maxDiscard = discard ? MAX_DISCARD_BYTES : 0;
            DiskGeometry geometry = new DiskGeometry(diskSize, logical, physical, readOnly,
                    blockDevice && rotational(stat), !readOnly, !readOnly, maxDiscard, discard ? physical : 0);
            int zero = Linux.open("/dev/zero", Linux.O_RDONLY | Linux.O_CLOEXEC);
            LoopTarget target = new LoopTarget(file, fd, offset, geometry, direct, blockDevice,
                    warnings.isEmpty() ? null : warnings.toString(), zero);
            LOG.info("loop backing {}: {}", file, target.describe());
            return target;
        } catch (TargetException | RuntimeException e) {
            closeQuietly(fd);
            throw e;
        } catch (ErrnoException e) {
            closeQuietly(fd);
            throw new TargetException("cannot use " + file + ": " + e.getMessage(), e);
        }
    }

    private static void warn(StringBuilder warnings, String text) {
        LOG.warn("loop: {}", text);
        if (!warnings.isEmpty()) {
            warnings.append("; ");
        }
        warnings.append(text);
    }

    private static FileStat statOf(String file) throws TargetException {
        int fd;
        try {
            // O_NONBLOCK: a FIFO must not hang the open; no O_EXCL yet, so this disturbs no one.
            fd = Linux.open(file, Linux.O_RDONLY | Linux.O_CLOEXEC | Linux.O_NONBLOCK);
        } catch (ErrnoException e) {
            throw openError(file, e);
        }
        try {
            return Linux.fstat(fd);
        } catch (ErrnoException e) {
            throw new TargetException("cannot stat " + file + ": " + e.getMessage(), e);
        } finally {
            closeQuietly(fd);
        }
    }

    private static TargetException openError(String file, ErrnoException e) {
        Errno error = e.error();
        String why;
        if (error == Errno.ENOENT) {
            why = file + " does not exist";
        } else if (error == Errno.EACCES || error == Errno.EPERM) {
            why = "no permission to open " + file;
        } else if (error == Errno.EBUSY) {
            why = file + " is busy: it is mounted or held exclusively by someone else";
        } else if (error == Errno.EISDIR) {
            why = file + " is a directory, not a regular file or block device";
        } else if (error == Errno.ENOTDIR) {
            why = "a part of the path " + file + " is not a directory";
        } else {
            why = "cannot open " + file + ": " + (error != null ? error.description() : "errno " + e.errno());
        }
        return new TargetException(why, e);
    }

    private static String typeName(FileStat stat) {
        return switch (stat.mode() & 0170000) {
            case 0040000 -> "a directory";
            case 0020000 -> "a character device";
            case 0010000 -> "a FIFO";
            case 0140000 -> "a socket";
            default -> "a special file";
        };
    }

    /** Reads one logical block at {@code offset} with O_DIRECT; false when the file system refuses (EINVAL). */
    private static boolean directReadWorks(int fd, long offset, int logical, String file) throws TargetException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = AlignedMemory.allocate(arena, logical);
            Linux.pread(fd, buf, offset);
            return true;
        } catch (ErrnoException e) {
            if (e.error() == Errno.EINVAL) {
                return false;
            }
            throw new TargetException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether the file system punches holes: one punch of a block past the end of the file (with KEEP_SIZE it
     * changes neither the size nor any data). A file system without punch-hole says EOPNOTSUPP.
     */
    private static boolean punchesHoles(int fd, long size) {
        long past = (size + FILE_PHYSICAL_BLOCK) / FILE_PHYSICAL_BLOCK * FILE_PHYSICAL_BLOCK;
        try {
            Linux.fallocate(fd, Linux.FALLOC_FL_PUNCH_HOLE | Linux.FALLOC_FL_KEEP_SIZE, past, FILE_PHYSICAL_BLOCK);
            return true;
        } catch (ErrnoException e) {
            LOG.info("loop: no DISCARD on this backing file: punching a hole said {}", e.getMessage());
            return false;
        }
    }

    private static boolean blockDeviceDiscards(FileStat stat) {
        String v = queueAttribute(stat, "discard_max_bytes");
        try {
            return v != null && Long.parseLong(v) > 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean rotational(FileStat stat) {
        return "1".equals(queueAttribute(stat, "rotational"));
    }

    /** {@code /sys/dev/block/M:m/queue/NAME}, or the whole disk's for a partition; null when unreadable. */
    private static String queueAttribute(FileStat stat, String name) {
        Path dev = Path.of("/sys/dev/block/" + stat.rdevMajor() + ":" + stat.rdevMinor());
        try {
            Path queue = dev.resolve("queue");
            if (!Files.isDirectory(queue)) {
                queue = dev.toRealPath().getParent().resolve("queue"); // a partition: its disk's queue
            }
            return Files.readString(queue.resolve(name)).trim();
        } catch (IOException | RuntimeException e) {
            LOG.debug("loop: cannot read {} of {}: {}", name, dev, e.toString());
            return null;
        }
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                Linux.close(fd);
            } catch (ErrnoException e) {
                LOG.debug("closing fd {}: {}", fd, e.getMessage());
            }
        }
    }

    // ---- Target -----------------------------------------------------------------------------------

    @Override
    public DiskGeometry geometry() {
        return geometry;
    }

    @Override
    public TargetQueue openQueue(QueueContext queue) throws TargetException {
        Ring ring;
        try {
            ring = queue.ring();
        } catch (UnsupportedOperationException e) {
            throw new TargetException("the loop target needs the queue's io_uring: " + e.getMessage(), e);
        }
        int fixed = queue.registerFile(fd);
        return new LoopQueue(queue, ring, fixed >= 0 ? fixed : fd, fixed >= 0, offset, queue.queueDepth(), geometry,
                direct, zeroFd, fd, blockDevice);
    }

    /** READ and WRITE go through io_uring, so they can use the request's own pages (zero copy). */
    @Override
    public boolean acceptsRegisteredBuffers() {
        return true;
    }

    boolean direct() {
        return direct;
    }

    String warning() {
        return warning;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", file);
        d.put("offset", offset);
        d.put("size", geometry.sizeBytes());
        d.put("blockDevice", blockDevice);
        d.put("directIo", direct);
        d.put("readOnly", geometry.readOnly());
        d.put("discard", geometry.supportsDiscard());
        if (warning != null) {
            d.put("warning", warning);
        }
        return d;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            // Queue rings that registered the fd keep their own reference until they close.
            closeQuietly(fd);
            closeQuietly(zeroFd);
        }
    }
}
