package io.jublk.target.nullblk;

import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.RequestIo;
import io.jublk.target.TargetQueue;
import io.jublk.uring.Ring;
import io.jublk.uring.Sqe;
import io.jublk.uring.sys.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes every request on the queue thread: at once, except a READ whose pages the kernel registered with
 * the ring (zero copy), which gets its zeroes from /dev/zero by one READ_FIXED on the queue's ring. That
 * clears the request's pages in place; copy mode has the kernel copy a whole buffer of zeroes into them,
 * which was most of a null device's CPU time per read.
 */
final class NullQueue implements TargetQueue {
    private static final Logger LOG = LoggerFactory.getLogger(NullQueue.class);
    private static final int EIO = Errno.EIO.number();

    private final Arena arena = Arena.ofShared();
    /** Source of the zeroes a READ returns in copy mode; copying from it allocates nothing. */
    private final MemorySegment zeroes;
    /**
     * By tag, how many leading bytes of the tag's buffer may hold something other than zeroes. Only a
     * WRITE puts data there (copy mode: the kernel copies it in), so a READ zeroes just those bytes and a
     * read after reads copies nothing. At first unknown (the queue may get buffers an earlier target
     * used): all of it, zeroed by the tag's first read.
     */
    private final int[] dirty;
    /** The queue's ring, or null when it offers none (then no request comes with registered pages). */
    private final Ring ring;
    private final QueueContext context;
    /** /dev/zero: its fixed-file index when {@link #fixedZero}, else the fd. */
    private final int zero;
    private final boolean fixedZero;
    /** By tag, the zero-copy READ being filled from /dev/zero, and how many of its bytes are done. */
    private final IoRequest[] filling;
    private final int[] filled;

    NullQueue(QueueContext context, int depth, int maxIoBytes, Ring ring, int zero, boolean fixedZero) {
        this.zeroes = arena.allocate(maxIoBytes, 4096);
        this.dirty = new int[depth];
        Arrays.fill(dirty, maxIoBytes);
        this.context = context;
        this.ring = ring;
        this.zero = zero;
        this.fixedZero = fixedZero;
        this.filling = new IoRequest[depth];
        this.filled = new int[depth];
    }

    @Override
    public void submit(IoRequest request) {
        int length = request.length();
        int tag = request.tag();
        switch (request.operation()) {
            case READ -> {
                if (request.bufferIndex() != IoRequest.IN_BUFFER) {
                    startFill(tag, request);
                    return;
                }
                int stale = dirty[tag];
                if (stale > 0) {
                    MemorySegment buffer = request.buffer();
                    MemorySegment.copy(zeroes, 0, buffer, 0, Math.min(stale, buffer.byteSize()));
                    dirty[tag] = 0;
                }
            }
            case WRITE -> {
                if (request.bufferIndex() == IoRequest.IN_BUFFER) { // a zero-copy WRITE leaves the buffer as it was
                    dirty[tag] = Math.max(dirty[tag], length);
                }
            }
            default -> { }
        }
        request.complete(length);
    }

    private void startFill(int tag, IoRequest request) {
        if (ring == null || tag < 0 || tag >= filling.length || filling[tag] != null) {
            LOG.error("null queue: {} cannot be filled with zeroes (no ring, or its tag is out of range or busy)",
                    request);
            request.complete(-EIO);
            return;
        }
        filling[tag] = request;
        filled[tag] = 0;
        try {
            queueFill(tag);
        } catch (RuntimeException e) {
            // e.g. the ring refused an early submit: forget the request; the core fails it with -EIO
            filling[tag] = null;
            throw e;
        }
    }

    private void queueFill(int tag) {
        Sqe sqe = RequestIo.zeroFill(ring, filling[tag], zero, filled[tag]);
        (fixedZero ? sqe.fixedFile() : sqe).userData(context.userData(tag));
    }

    @Override
    public void onCompletion(long cookie, int res, int flags) {
        long tag = cookie;
        IoRequest request = tag < filling.length ? filling[(int) tag] : null;
        if (request == null) {
            LOG.error("null queue: completion for cookie 0x{} with no request", Long.toHexString(cookie));
            return;
        }
        int t = (int) tag;
        int result = res > 0 ? request.length() : res < 0 ? res : -EIO;
        if (res > 0 && filled[t] + res < request.length()) {
            filled[t] += res;
            try {
                queueFill(t);
                return;
            } catch (RuntimeException e) {
                LOG.error("null queue: {} failed after a partial fill", request, e);
                result = -EIO;
            }
        }
        filling[t] = null;
        request.complete(result);
    }

    @Override
    public void close() {
        arena.close();
    }
}
