package io.jublk.target.qcow2;

import io.jublk.target.DiskGeometry;
import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.RequestIo;
import io.jublk.target.TargetQueue;
import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.target.qcow2.image.Qcow2Image;
import io.jublk.uring.Ring;
import io.jublk.uring.Sqe;
import io.jublk.uring.sys.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One queue's requests on the shared {@link Qcow2Image}.
 *
 * <ul>
 * <li>READ / WRITE inside clusters that are allocated, contiguous and (for a write) the image's own: one
 *     IORING_OP_READ / WRITE on the queue's ring, at the host offset {@link Qcow2Image#mapDirect} gives,
 *     with the request's own pages where the kernel registered them (zero copy: READ_FIXED / WRITE_FIXED).
 *     Frees of clusters wait while such I/O is in flight, so a cluster is never reused under it.</li>
 * <li>Everything else (allocation, copy-on-write, backing files, compressed and zero clusters, FUA writes,
 *     DISCARD / WRITE_ZEROES, FLUSH) is done synchronously on the queue thread under the image's lock, with
 *     the data in memory: a zero-copy request is first moved to its buffer ({@link IoRequest#moveDataToBuffer}).</li>
 * </ul>
 */
final class Qcow2Queue implements TargetQueue {
    private static final Logger LOG = LoggerFactory.getLogger(Qcow2Queue.class);
    private static final byte READ = 1;
    private static final byte WRITE = 2;
    private static final int EIO = Errno.EIO.number();
    private static final int EROFS = Errno.EROFS.number();
    private static final int EOPNOTSUPP = Errno.EOPNOTSUPP.number();

    private final Qcow2Image image;
    private final Ring ring;
    private final QueueContext context;
    private final int file;
    private final boolean fixed;
    private final boolean readOnly;
    private final IoRequest[] requests;
    private final int[] done;
    /** The value {@link Qcow2Image#mapDirect} returned for each direct request. */
    private final long[] host;
    private final byte[] kind;
    /** Requests that went straight to the ring, for tests. */
    long direct;

    Qcow2Queue(Qcow2Image image, QueueContext context, Ring ring, int file, boolean fixed, int depth, DiskGeometry geometry) {
        this.image = image;
        this.context = context;
        this.ring = ring;
        this.file = file;
        this.fixed = fixed;
        this.readOnly = geometry.readOnly();
        this.requests = new IoRequest[depth];
        this.done = new int[depth];
        this.host = new long[depth];
        this.kind = new byte[depth];
    }

    @Override
    public void submit(IoRequest request) {
        int tag = request.tag();
        if (tag < 0 || tag >= requests.length || requests[tag] != null) {
            LOG.error("qcow2 queue: {} arrived for a tag that is out of range or busy", request);
            request.complete(-EIO);
            return;
        }
        IoOperation op = request.operation();
        boolean writes = op == IoOperation.WRITE || op == IoOperation.DISCARD || op == IoOperation.WRITE_ZEROES;
        if (writes && readOnly) {
            request.complete(-EROFS);
            return;
        }
        try {
            switch (op) {
                case READ, WRITE -> transfer(tag, request, op == IoOperation.WRITE);
                case FLUSH -> {
                    image.flush();
                    request.complete(0);
                }
                case DISCARD, WRITE_ZEROES -> {
                    image.zeroRange(request.offset(), request.length());
                    request.complete(request.length());
                }
                default -> request.complete(-EOPNOTSUPP);
            }
        } catch (Qcow2Exception e) {
            LOG.error("qcow2: {} failed: {}", request, e.getMessage());
            request.complete(-EIO);
        }
    }

    private void transfer(int tag, IoRequest request, boolean write) throws Qcow2Exception {
        int length = request.length();
        if (length == 0) {
            request.complete(0);
            return;
        }
        long at = write && request.forceUnitAccess() ? -1 : image.mapDirect(request.offset(), length, write);
        if (at >= 0) {
            direct++;
            requests[tag] = request;
            done[tag] = 0;
            host[tag] = at;
            kind[tag] = write ? WRITE : READ;
            try {
                queueTransfer(tag);
            } catch (RuntimeException e) {
                forget(tag);
                throw e;
            }
            return;
        }
        if (request.moveDataToBuffer()) { // else the core failed it
            throughImage(request, write);
        }
    }

    /** The slow path: the whole request on the image, under its lock, with the data in the request's buffer. */
    private void throughImage(IoRequest request, boolean write) throws Qcow2Exception {
        int length = request.length();
        var buffer = request.buffer().asSlice(0, length).asByteBuffer();
        if (write) {
            image.write(request.offset(), buffer);
            if (request.forceUnitAccess()) {
                image.flush();
            }
        } else {
            image.read(request.offset(), buffer);
        }
        request.complete(length);
    }

    private void queueTransfer(int tag) {
        IoRequest request = requests[tag];
        int from = done[tag];
        Sqe sqe = RequestIo.transfer(ring, request, file, from, Qcow2Image.directOffset(host[tag]) + from);
        if (fixed) {
            sqe.fixedFile();
        }
        sqe.userData(context.userData(tag));
    }

    @Override
    public void onCompletion(long cookie, int res, int flags) {
        long t = cookie;
        if (t < 0 || t >= requests.length || requests[(int) t] == null) {
            LOG.error("qcow2 queue: completion for cookie 0x{} with no request", Long.toHexString(cookie));
            return;
        }
        int tag = (int) t;
        IoRequest request = requests[tag];
        int length = request.length();
        if (res < 0 || res == 0 && kind[tag] == WRITE) {
            finish(tag, res < 0 ? res : -EIO);
            return;
        }
        done[tag] += res;
        if (done[tag] >= length) {
            finish(tag, length);
        } else if (res == 0) {
            // a read past the end of the file (the rest of a new cluster the file does not reach yet): zeroes
            if (request.bufferIndex() == IoRequest.IN_BUFFER) {
                request.buffer().asSlice(done[tag], length - done[tag]).fill((byte) 0);
                finish(tag, length);
            } else {
                forget(tag);
                readAgainThroughImage(request);
            }
        } else {
            try {
                queueTransfer(tag);
            } catch (RuntimeException e) {
                LOG.error("qcow2 queue: continuing {} failed", request, e);
                finish(tag, -EIO);
            }
        }
    }

    /** A zero-copy READ the ring could not finish: all of it again through the image, in memory. */
    private void readAgainThroughImage(IoRequest request) {
        try {
            if (request.moveDataToBuffer()) { // else the core failed it
                throughImage(request, false);
            }
        } catch (Qcow2Exception e) {
            LOG.error("qcow2: {} failed: {}", request, e.getMessage());
            request.complete(-EIO);
        }
    }

    private void finish(int tag, int result) {
        IoRequest request = requests[tag];
        forget(tag);
        request.complete(result);
    }

    private void forget(int tag) {
        requests[tag] = null;
        kind[tag] = 0;
        image.directDone(host[tag]);
    }

    /**
     * Ends the direct I/O of requests whose completion never came (the queue stops with operations in flight),
     * so the image's frees do not wait for them forever.
     */
    @Override
    public void close() {
        for (int tag = 0; tag < requests.length; tag++) {
            if (requests[tag] != null) {
                LOG.warn("qcow2 queue: closed with {} in flight", requests[tag]);
                forget(tag);
            }
        }
    }
}
