package io.jublk.target.rbd;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.target.TargetQueue;
import io.jublk.uring.sys.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One queue's requests, as librbd asynchronous operations on the device's image.
 *
 * <ul>
 * <li>READ / WRITE: {@code rbd_aio_read} / {@code rbd_aio_write} straight into / out of the request's buffer.
 *     FUA needs nothing more: with librbd's cache off, a write is acknowledged once the OSDs have it.</li>
 * <li>FLUSH: {@code rbd_aio_flush} (nothing on a read-only disk).</li>
 * <li>DISCARD: {@code rbd_aio_discard}; WRITE_ZEROES: {@code rbd_aio_write_zeroes}, with
 *     RBD_WRITE_ZEROES_FLAG_THICK_PROVISION when NOUNMAP asks to keep the range allocated.</li>
 * <li>Writes of any kind on a read-only disk fail with -EROFS.</li>
 * </ul>
 *
 * <p>Completions: each operation's completion carries a callback argument (queue slot, tag); librbd calls
 * {@link #completed} on one of its own threads, which completes the request there. {@link IoRequest#complete}
 * may be called from any thread: the core posts the tag to the queue thread's lock-free mailbox and wakes its
 * ring through an eventfd, so librbd's thread never waits for the queue thread, nor it for librbd. (librbd's
 * own eventfd, {@code rbd_set_image_notification}, is one per image, not per queue, so every queue would poll
 * every other queue's completions.) Per-tag state is in arrays made once; librbd allocates its completion
 * objects natively, nothing on the Java heap is allocated per request.
 */
final class RbdQueue implements TargetQueue {
    private static final Logger LOG = LoggerFactory.getLogger(RbdQueue.class);
    private static final int TAG_BITS = 16;
    private static final int SLOTS = 4096;
    /** The queues with operations in flight, by slot: the callback finds its queue here without allocating. */
    private static final AtomicReferenceArray<RbdQueue> QUEUES = new AtomicReferenceArray<>(SLOTS);
    private static final MemorySegment CALLBACK = callbackStub();
    private static final int EIO = Errno.EIO.number();
    private static final int EROFS = Errno.EROFS.number();
    private static final int THICK_PROVISION = 1;

    private final Librbd lib;
    private final MemorySegment image;
    private final boolean readOnly;
    private final int slot;
    private final AtomicReferenceArray<IoRequest> requests;
    /** What is in flight for a tag, written before the request is published in {@link #requests}. */
    private final IoOperation[] operations;
    private final Arena arena = Arena.ofShared();
    /** rbd_aio_create_completion's out parameter; queue thread only. */
    private final MemorySegment completionOut = arena.allocate(JAVA_LONG);

    RbdQueue(Librbd lib, MemorySegment image, boolean readOnly, int depth) {
        if (depth > 1 << TAG_BITS) {
            throw new IllegalArgumentException("queue depth " + depth + " above " + (1 << TAG_BITS));
        }
        this.lib = lib;
        this.image = image;
        this.readOnly = readOnly;
        this.requests = new AtomicReferenceArray<>(depth);
        this.operations = new IoOperation[depth];
        this.slot = takeSlot(this);
    }

    @Override
    public void submit(IoRequest request) {
        int tag = request.tag();
        if (tag < 0 || tag >= operations.length || requests.get(tag) != null) {
            LOG.error("rbd queue: {} arrived for a tag that is out of range or busy", request);
            request.complete(-EIO);
            return;
        }
        IoOperation op = request.operation();
        boolean writes = op != IoOperation.READ && op != IoOperation.FLUSH;
        if (readOnly && writes) {
            request.complete(-EROFS);
            return;
        }
        if (op == IoOperation.FLUSH ? readOnly : request.length() == 0) {
            request.complete(0);
            return;
        }
        operations[tag] = op;
        requests.set(tag, request);
        int rc;
        long completion = 0;
        try {
            rc = (int) lib.aioCreateCompletion.invokeExact(((long) slot << TAG_BITS) | tag, CALLBACK, completionOut);
            if (rc == 0) {
                completion = completionOut.get(JAVA_LONG, 0);
                rc = start(op, request, completion);
            }
        } catch (Throwable t) {
            LOG.error("rbd queue: starting {} failed", request, t);
            rc = -EIO;
        }
        if (rc < 0) {
            // librbd did not take the operation: its callback will not come
            if (completion != 0) {
                release(completion);
            }
            if (requests.compareAndSet(tag, request, null)) {
                request.complete(rc);
            }
        }
    }

    private int start(IoOperation op, IoRequest r, long c) throws Throwable {
        return switch (op) {
            case READ -> (int) lib.aioRead.invokeExact(image, r.offset(), (long) r.length(), r.buffer(), c);
            case WRITE -> (int) lib.aioWrite.invokeExact(image, r.offset(), (long) r.length(), r.buffer(), c);
            case FLUSH -> (int) lib.aioFlush.invokeExact(image, c);
            case DISCARD -> (int) lib.aioDiscard.invokeExact(image, r.offset(), (long) r.length(), c);
            case WRITE_ZEROES -> (int) lib.aioWriteZeroes.invokeExact(image, r.offset(), (long) r.length(), c,
                    r.noUnmap() ? THICK_PROVISION : 0, 0);
        };
    }

    /** librbd's callback, on one of its threads: must not throw (the JVM would end). */
    static void completed(long completion, long arg) {
        try {
            long ret = (long) lib().aioGetReturnValue.invokeExact(completion);
            release(completion);
            RbdQueue q = QUEUES.get((int) (arg >>> TAG_BITS));
            if (q == null) {
                LOG.warn("rbd: completion for a closed queue (argument 0x{})", Long.toHexString(arg));
                return;
            }
            q.done((int) (arg & ((1 << TAG_BITS) - 1)), ret);
        } catch (Throwable t) {
            LOG.error("rbd: completion callback failed", t);
        }
    }

    /** {@code ret}: bytes read for READ, 0 for the others, or -errno. */
    private void done(int tag, long ret) {
        IoRequest request = requests.getAndSet(tag, null);
        if (request == null) {
            LOG.warn("rbd queue: completion for tag {} with nothing in flight", tag);
            return;
        }
        int result;
        if (ret < 0) {
            result = (int) ret;
        } else if (operations[tag] == IoOperation.FLUSH) {
            result = 0;
        } else if (operations[tag] == IoOperation.READ && ret < request.length()) {
            // librbd reads short only past the image's end (an image shrunk under the disk): zeroes there
            request.buffer().asSlice(ret, request.length() - ret).fill((byte) 0);
            result = request.length();
        } else {
            result = request.length();
        }
        request.complete(result);
    }

    private static Librbd lib() {
        return Librbd.get();
    }

    private static void release(long completion) {
        try {
            lib().aioRelease.invokeExact(completion);
        } catch (Throwable t) {
            throw Librbd.unexpected(t);
        }
    }

    private static int takeSlot(RbdQueue q) {
        for (int i = 0; i < SLOTS; i++) {
            if (QUEUES.compareAndSet(i, null, q)) {
                return i;
            }
        }
        throw new IllegalStateException("more than " + SLOTS + " rbd queues open");
    }

    private static MemorySegment callbackStub() {
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(RbdQueue.class, "completed",
                    MethodType.methodType(void.class, long.class, long.class));
            return Librbd.upcall(target);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Operations still in flight, for tests. */
    int inFlight() {
        int n = 0;
        for (int i = 0; i < requests.length(); i++) {
            if (requests.get(i) != null) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        int left = inFlight();
        if (left > 0) {
            // The core took them back. Keep the slot, so their late callbacks find this queue, not a new one.
            LOG.warn("rbd queue: closed with {} operations in flight", left);
        } else {
            QUEUES.compareAndSet(slot, this, null);
        }
        arena.close();
    }
}
