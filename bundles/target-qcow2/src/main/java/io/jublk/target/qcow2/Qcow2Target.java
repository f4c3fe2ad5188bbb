package io.jublk.target.qcow2;

import java.util.LinkedHashMap;
import java.util.Map;
import io.jublk.target.DiskGeometry;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetQueue;
import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.target.qcow2.image.Images;
import io.jublk.target.qcow2.image.Qcow2Image;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's qcow2 image, shared by its queues. The image's lock serialises cluster mapping and all
 * metadata changes, so two queues never allocate the same cluster; reads and writes of clusters that are
 * already allocated (and the image's own) go straight to the file on each queue's ring.
 *
 * <p>Geometry: the image's virtual size (rounded down to 512-byte blocks), 512-byte logical blocks,
 * a volatile cache (metadata is in the file before a write completes; FLUSH is an fdatasync), FUA, and
 * DISCARD / WRITE_ZEROES with the cluster as granularity, both leaving zeroes behind.
 */
final class Qcow2Target implements Target {
    private static final Logger LOG = LoggerFactory.getLogger(Qcow2Target.class);
    static final long MAX_DISCARD_BYTES = 1L << 30;

    private final String file;
    private final Qcow2Image image;
    private final int fd;
    private final DiskGeometry geometry;
    /** The ring's fd is O_DIRECT (metadata and copy-on-write go through the page cache either way). */
    private final boolean direct;
    private volatile boolean closed;

    private Qcow2Target(String file, Qcow2Image image, int fd, DiskGeometry geometry, boolean direct) {
        this.direct = direct;
        this.file = file;
        this.image = image;
        this.fd = fd;
        this.geometry = geometry;
    }

    static Qcow2Target open(String file, boolean readOnly, long l2Cache) throws TargetException {
        Qcow2Image image;
        try {
            image = Images.open(Path.of(file), readOnly, l2Cache);
        } catch (Qcow2Exception e) {
            throw new TargetException(e.getMessage(), e);
        }
        int fd = -1;
        try {
            fd = openDirect(file, readOnly);
            boolean direct = fd >= 0;
            if (!direct) {
                fd = Linux.open(file, (readOnly ? Linux.O_RDONLY : Linux.O_RDWR) | Linux.O_CLOEXEC);
            }
            long size = image.virtualSize() & ~511L;
            if (size <= 0) {
                throw new TargetException(file + " has a virtual size of " + image.virtualSize()
                        + " bytes: less than one 512-byte block");
            }
            int physical = Math.max(4096, Math.min(image.clusterSize(), 65536));
            DiskGeometry g = new DiskGeometry(size, 512, physical, readOnly, false, !readOnly, !readOnly,
                    readOnly ? 0 : MAX_DISCARD_BYTES, readOnly ? 0 : image.clusterSize());
            if (direct && !readOnly) {
                image.directData(fd);
            }
            Qcow2Target t = new Qcow2Target(file, image, fd, g, direct);
            LOG.info("qcow2 image {}: {} {}", file, image.header(), t.describe());
            return t;
        } catch (ErrnoException e) {
            closeQuietly(fd);
            image.close();
            throw new TargetException("cannot open " + file + ": " + e.getMessage(), e);
        } catch (TargetException | RuntimeException e) {
            closeQuietly(fd);
            image.close();
            throw e;
        }
    }

    /**
     * The image opened with O_DIRECT for the ring's data I/O, or -1 when the file system refuses it or
     * 512-byte direct I/O (probed with one read of 512 bytes at offset 512). Direct writes skip the page
     * cache copy, and io_uring does them without punting to a worker; the kernel keeps them coherent with
     * the buffered metadata I/O (it writes back and drops cached pages around direct I/O).
     */
    private static int openDirect(String file, boolean readOnly) {
        int fd = -1;
        try (Arena arena = Arena.ofConfined()) {
            fd = Linux.open(file, (readOnly ? Linux.O_RDONLY : Linux.O_RDWR) | Linux.O_CLOEXEC | Linux.O_DIRECT);
            Linux.pread(fd, AlignedMemory.allocate(arena, 512, 4096), 512);
            return fd;
        } catch (ErrnoException e) {
            LOG.info("qcow2: no O_DIRECT for {} ({}); the ring uses buffered I/O", file, e.getMessage());
            closeQuietly(fd);
            return -1;
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

    Qcow2Image image() {
        return image;
    }

    @Override
    public DiskGeometry geometry() {
        return geometry;
    }

    /** Mapped READs and WRITEs go straight between the file and the request's pages; the rest asks for memory. */
    @Override
    public boolean acceptsRegisteredBuffers() {
        return true;
    }

    @Override
    public TargetQueue openQueue(QueueContext queue) throws TargetException {
        Ring ring;
        try {
            ring = queue.ring();
        } catch (UnsupportedOperationException e) {
            throw new TargetException("the qcow2 target needs the queue's io_uring: " + e.getMessage(), e);
        }
        int fixed = queue.registerFile(fd);
        return new Qcow2Queue(image, queue, ring, fixed >= 0 ? fixed : fd, fixed >= 0, queue.queueDepth(), geometry);
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", file);
        d.put("size", geometry.sizeBytes());
        d.put("clusterSize", image.clusterSize());
        d.put("version", image.header().version);
        d.put("backing", image.header().backingFile != null);
        d.put("snapshots", image.snapshots().size());
        d.put("directIo", direct);
        d.put("readOnly", geometry.readOnly());
        return d;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            image.close(); // writes back the metadata and clears the dirty bit
            closeQuietly(fd);
        }
    }
}
