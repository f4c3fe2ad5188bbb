package io.jublk.target.loop;

import io.jublk.target.DiskGeometry;
import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.RequestIo;
import io.jublk.target.TargetQueue;
import io.jublk.uring.IoUring;
import io.jublk.uring.Ring;
import io.jublk.uring.Sqe;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One queue's requests, as io_uring operations on the backing file, on the queue thread's own ring. Each
 * request has at most one operation in flight, whose user data is {@link QueueContext#userData}(tag); per-tag state lives in arrays made once, so nothing is allocated per request.
 *
 * <ul>
 * <li>READ / WRITE: IORING_OP_READ / WRITE straight into / out of the request's buffer, or, when the kernel
 *     registered the request's own pages with the ring (zero copy), READ_FIXED / WRITE_FIXED on them. A FUA
 *     write carries RWF_DSYNC. A short transfer is continued with the rest; a write that makes no progress
 *     fails with -EIO. A read that hits the end of the file (the file shrank) returns zeroes for the rest
 *     (read from /dev/zero into a registered buffer, which this process cannot touch).</li>
 * <li>FLUSH: IORING_OP_FSYNC with DATASYNC (nothing to do on a read-only disk).</li>
 * <li>DISCARD on a file: fallocate(PUNCH_HOLE | KEEP_SIZE): the range reads back as zeroes, its blocks are
 *     freed. On a block device: a discard (IORING_OP_URING_CMD BLOCK_URING_CMD_DISCARD, 6.12+; before
 *     that the BLKDISCARD ioctl, on the queue thread), never a zero-out (a block device turns PUNCH_HOLE
 *     into a WRITE_ZEROES that fails where the device has none).</li>
 * <li>WRITE_ZEROES on a file: with NOUNMAP, fallocate(ZERO_RANGE | KEEP_SIZE), which keeps the blocks
 *     allocated; without it, a punched hole like DISCARD. If the file system has no ZERO_RANGE (tmpfs),
 *     punched holes from then on (the range still reads as zeroes). On a block device: fallocate(ZERO_RANGE),
 *     the kernel's zero-out (WRITE_ZEROES where the device has it, else written zeroes).</li>
 * <li>Writes of any kind on a read-only disk fail with -EROFS; DISCARD / WRITE_ZEROES on a backing without
 *     them with -EOPNOTSUPP (the kernel does not send them: they are not advertised).</li>
 * </ul>
 */
final class LoopQueue implements TargetQueue {
    private static final Logger LOG = LoggerFactory.getLogger(LoopQueue.class);
    private static final byte READ = 1;
    private static final byte WRITE = 2;
    private static final byte FSYNC = 3;
    private static final byte PUNCH = 4;
    private static final byte ZERO_RANGE = 5;
    /** Zero copy, at the end of the file: zeroes from /dev/zero into the rest of the registered buffer. */
    private static final byte ZERO_FILL = 6;
    /** A block device's discard, on the ring. */
    private static final byte BLOCK_DISCARD = 7;
    /** BLOCK_URING_CMD_DISCARD: _IO(0x12, 0); start in sqe->addr, length in sqe->addr3. */
    private static final int BLOCK_URING_CMD_DISCARD = 0x1200;
    /** BLKDISCARD: _IO(0x12, 119), a uint64_t[2] of start and length. */
    private static final long BLKDISCARD = 0x1277L;
    private static final int EIO = Errno.EIO.number();
    private static final int EROFS = Errno.EROFS.number();
    private static final int EOPNOTSUPP = Errno.EOPNOTSUPP.number();
    private static final int SECTOR_MASK = 511;

    private final Ring ring;
    private final QueueContext context;
    private final int file;
    private final boolean fixed;
    private final long base;
    private final boolean readOnly;
    private final boolean discard;
    private final boolean direct;
    private final int zeroFd;
    private final IoRequest[] requests;
    /** Bytes of the request done so far (READ / WRITE). */
    private final int[] done;
    /** What is in flight for the tag: READ, WRITE, ... or 0. */
    private final byte[] kind;
    private boolean zeroRange = true;
    /** The backing is a block device: DISCARD is a discard, WRITE_ZEROES a zero-out. */
    private final boolean blockDevice;
    /** The backing's own fd (for ioctls, which take no fixed file). */
    private final int fd;
    /** Whether the kernel takes BLOCK_URING_CMD_DISCARD (until it says otherwise). */
    private boolean uringDiscard = true;
    /** The BLKDISCARD ioctl's range, made once. */
    private final MemorySegment range = Arena.ofAuto().allocate(16, 8);

    /**
     * @param file  the fixed-file index when {@code fixed}, else the fd
     * @param base  the backing offset of the disk's byte 0
     * @param zeroFd /dev/zero, open for reading (for reads past the end of a shrunk file in zero copy)
     * @param fd    the backing's fd (the same file as {@code file})
     * @param blockDevice whether the backing is a block device
     */
    LoopQueue(QueueContext context, Ring ring, int file, boolean fixed, long base, int depth, DiskGeometry geometry,
              boolean direct, int zeroFd, int fd, boolean blockDevice) {
        this.context = context;
        this.ring = ring;
        this.fd = fd;
        this.blockDevice = blockDevice;
        this.file = file;
        this.fixed = fixed;
        this.base = base;
        this.readOnly = geometry.readOnly();
        this.discard = geometry.supportsDiscard();
        this.direct = direct;
        this.zeroFd = zeroFd;
        this.requests = new IoRequest[depth];
        this.done = new int[depth];
        this.kind = new byte[depth];
    }

    @Override
    public void submit(IoRequest request) {
        int tag = request.tag();
        if (tag < 0 || tag >= requests.length || requests[tag] != null) {
            LOG.error("loop queue: {} arrived for a tag that is out of range or busy", request);
            request.complete(-EIO);
            return;
        }
        try {
            serve(tag, request);
        } catch (RuntimeException e) {
            // e.g. the ring refused an early submit: forget the request; the core fails it with -EIO
            if (requests[tag] == request) {
                requests[tag] = null;
                kind[tag] = 0;
            }
            throw e;
        }
    }

    private void serve(int tag, IoRequest request) {
        switch (request.operation()) {
            case READ, WRITE -> {
                boolean write = request.operation() == IoOperation.WRITE;
                if (write && readOnly) {
                    request.complete(-EROFS);
                    return;
                }
                if (request.length() == 0) {
                    request.complete(0);
                    return;
                }
                start(tag, request, write ? WRITE : READ);
                queueTransfer(tag);
            }
            case FLUSH -> {
                if (readOnly) {
                    request.complete(0);
                    return;
                }
                start(tag, request, FSYNC);
                userData(fileRef(ring.sqe().fsync(file, IoUring.FSYNC_DATASYNC)), tag);
            }
            case DISCARD, WRITE_ZEROES -> {
                if (readOnly) {
                    request.complete(-EROFS);
                    return;
                }
                if (!discard) {
                    request.complete(-EOPNOTSUPP);
                    return;
                }
                if (request.length() == 0) {
                    request.complete(0);
                    return;
                }
                if (blockDevice) {
                    serveBlockDevice(tag, request);
                    return;
                }
                boolean keep = request.operation() == IoOperation.WRITE_ZEROES
                        && request.noUnmap() && zeroRange;
                start(tag, request, keep ? ZERO_RANGE : PUNCH);
                queueFallocate(tag);
            }
            default -> request.complete(-EOPNOTSUPP);
        }
    }

    /** DISCARD as a discard, WRITE_ZEROES as a zero-out (which the kernel falls back to writing zeroes for). */
    private void serveBlockDevice(int tag, IoRequest request) {
        if (request.operation() == IoOperation.WRITE_ZEROES) {
            start(tag, request, ZERO_RANGE);
            queueFallocate(tag);
        } else if (uringDiscard) {
            start(tag, request, BLOCK_DISCARD);
            userData(fileRef(ring.sqe().uringCmd(file, BLOCK_URING_CMD_DISCARD).addr(base + request.offset())
                    .cmdLong(0, request.length())), tag);
        } else {
            request.complete(ioctlDiscard(request));
        }
    }

    /** BLKDISCARD, synchronously: the request's result. */
    private int ioctlDiscard(IoRequest request) {
        range.set(ValueLayout.JAVA_LONG, 0, base + request.offset());
        range.set(ValueLayout.JAVA_LONG, 8, request.length());
        try {
            Linux.ioctl(fd, BLKDISCARD, range);
            return request.length();
        } catch (ErrnoException e) {
            return -e.errno();
        }
    }

    @Override
    public void onCompletion(long cookie, int res, int flags) {
        IoRequest request = cookie < requests.length ? requests[(int) cookie] : null;
        int tag = (int) cookie;
        if (request == null) {
            LOG.error("loop queue: completion for cookie 0x{} with no request", Long.toHexString(cookie));
            return;
        }
        try {
            completed(tag, request, res);
        } catch (RuntimeException e) {
            // queueing the next step failed: answer the request rather than leave it hanging
            LOG.error("loop queue: {} failed after its operation completed with {}", request, res, e);
            if (requests[tag] == request) {
                finish(tag, -EIO);
            }
        }
    }

    private void completed(int tag, IoRequest request, int res) {
        switch (kind[tag]) {
            case READ -> readDone(tag, request, res);
            case WRITE -> writeDone(tag, request, res);
            case FSYNC -> finish(tag, res < 0 ? res : 0);
            case BLOCK_DISCARD -> {
                if (res == -EOPNOTSUPP || res == -Errno.EINVAL.number()) {
                    LOG.info("loop: the kernel has no discard on io_uring ({}); BLKDISCARD from now on",
                            Errno.nameOf(-res));
                    uringDiscard = false;
                    finish(tag, ioctlDiscard(request));
                } else {
                    finish(tag, res < 0 ? res : request.length());
                }
            }
            case ZERO_RANGE -> {
                if (!blockDevice && (res == -EOPNOTSUPP || res == -Errno.EINVAL.number())) {
                    if (zeroRange) {
                        LOG.info("loop: the backing has no ZERO_RANGE ({}); WRITE_ZEROES punches holes instead",
                                Errno.nameOf(-res));
                    }
                    zeroRange = false;
                    kind[tag] = PUNCH;
                    queueFallocate(tag);
                } else {
                    finish(tag, res < 0 ? res : request.length());
                }
            }
            case PUNCH -> finish(tag, res < 0 ? res : request.length());
            case ZERO_FILL -> zeroesDone(tag, request, res);
            default -> LOG.error("loop queue: completion for tag {} with nothing in flight", tag);
        }
    }

    private void readDone(int tag, IoRequest request, int res) {
        if (res < 0) {
            finish(tag, res);
            return;
        }
        int length = request.length();
        int now = done[tag] + res;
        done[tag] = now;
        if (now >= length) {
            finish(tag, length);
        } else if (res == 0 || direct && (now & SECTOR_MASK) != 0) {
            // End of file (the backing shrank): an O_DIRECT read only comes back short there. Zeroes for the rest.
            if (request.bufferIndex() == IoRequest.IN_BUFFER) {
                request.buffer().asSlice(now, length - now).fill((byte) 0);
                finish(tag, length);
            } else {
                kind[tag] = ZERO_FILL;
                queueZeroes(tag);
            }
        } else {
            queueTransfer(tag);
        }
    }

    private void writeDone(int tag, IoRequest request, int res) {
        if (res <= 0) {
            finish(tag, res < 0 ? res : -EIO); // no progress: do not spin
            return;
        }
        int length = request.length();
        int now = done[tag] + res;
        done[tag] = now;
        if (now >= length) {
            finish(tag, length);
        } else {
            queueTransfer(tag);
        }
    }

    private void zeroesDone(int tag, IoRequest request, int res) {
        if (res <= 0) {
            finish(tag, res < 0 ? res : -EIO);
            return;
        }
        done[tag] += res;
        if (done[tag] >= request.length()) {
            finish(tag, request.length());
        } else {
            queueZeroes(tag);
        }
    }

    private void queueZeroes(int tag) {
        IoRequest request = requests[tag];
        int from = done[tag];
        userData(RequestIo.zeroFill(ring, request, zeroFd, from), tag);
    }

    private void start(int tag, IoRequest request, byte what) {
        requests[tag] = request;
        done[tag] = 0;
        kind[tag] = what;
    }

    private void finish(int tag, int result) {
        IoRequest request = requests[tag];
        requests[tag] = null;
        kind[tag] = 0;
        request.complete(result);
    }

    /** The rest of a READ or WRITE, from {@code done[tag]} on. */
    private void queueTransfer(int tag) {
        IoRequest request = requests[tag];
        int from = done[tag];
        Sqe sqe = RequestIo.transfer(ring, request, file, from, base + request.offset() + from);
        if (kind[tag] == WRITE && request.forceUnitAccess()) {
            sqe.rwFlags(IoUring.RWF_DSYNC);
        }
        userData(fileRef(sqe), tag);
    }

    private void queueFallocate(int tag) {
        IoRequest request = requests[tag];
        int mode = Linux.FALLOC_FL_KEEP_SIZE
                | (kind[tag] == ZERO_RANGE ? Linux.FALLOC_FL_ZERO_RANGE : Linux.FALLOC_FL_PUNCH_HOLE);
        userData(fileRef(ring.sqe().fallocate(file, mode, base + request.offset(), request.length())), tag);
    }

    private Sqe fileRef(Sqe sqe) {
        return fixed ? sqe.fixedFile() : sqe;
    }

    private void userData(Sqe sqe, int tag) {
        sqe.userData(context.userData(tag));
    }

    /** Operations still in flight, for tests. */
    int inFlight() {
        int n = 0;
        for (IoRequest r : requests) {
            if (r != null) {
                n++;
            }
        }
        return n;
    }
}
