package io.jublk.core.queue;

import io.jublk.core.uapi.IoCmd;
import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UBLK_F_USER_COPY: the queue moves a request's data itself between /dev/ublkcN (at the request's offset
 * there) and the tag's buffer, either as a ring operation ({@link #queue}) or, for the zero-copy slow path
 * ({@link io.jublk.target.IoRequest#moveDataToBuffer}), as one system call ({@link #bySyscall}).
 */
final class UserCopy {
    private static final Logger LOG = LoggerFactory.getLogger(UserCopy.class);

    private static final int EIO = Errno.EIO.number();

    private final RequestPath path;
    private final QueueSpec spec;
    private final TagTable tags;
    private final int charFd;

    UserCopy(RequestPath path, QueueSpec spec, TagTable tags, int charFd) {
        this.path = path;
        this.spec = spec;
        this.tags = tags;
        this.charFd = charFd;
    }

    /** A copy of {@link #queue} completed: a WRITE's data is in, so it is served; a READ's is out, so committed. */
    void copied(int tag, int res) {
        if (tag >= spec.depth() || tags.state(tag) != TagState.COPYING) {
            LOG.error("queue {} of device {}: copy completion for tag {} that is not copying", spec.queueId(),
                    spec.deviceId(), tag);
            return;
        }
        TagRequest request = tags.requests[tag];
        boolean in = request.operation == IoOperation.WRITE;
        int expected = in ? request.length : Math.min(tags.results[tag], request.length);
        if (res != expected) {
            LOG.error("queue {} of device {}: copying {} {} /dev/ublkc{} gave {}", spec.queueId(), spec.deviceId(),
                    request, in ? "from" : "to", spec.deviceId(), res < 0 ? Errno.nameOf(-res) : res + " bytes");
            path.queueCommand(IoCmd.COMMIT_AND_FETCH_REQ, tag, res < 0 ? res : -EIO);
        } else if (in) {
            path.handOver(tag, 0);
        } else {
            path.queueCommand(IoCmd.COMMIT_AND_FETCH_REQ, tag, tags.results[tag]);
        }
    }

    /**
     * {@link IoRequest#moveDataToBuffer()} on the queue thread, while the target serves the request: a WRITE's
     * data is copied into the tag's buffer now, a READ's out of it when the request is committed.
     */
    boolean moveToBuffer(TagRequest request, int tag) {
        if (request.bufferIndex == IoRequest.IN_BUFFER) {
            return true;
        }
        request.bufferIndex = IoRequest.IN_BUFFER;
        if (!spec.userCopy()) {
            LOG.error("queue {} of device {}: {} cannot move to a buffer without USER_COPY", spec.queueId(),
                    spec.deviceId(), request);
            request.complete(-EIO);
            return false;
        }
        request.copiedBySyscall = true;
        if (request.operation == IoOperation.WRITE && bySyscall(request, tag, true, request.length) != request.length) {
            request.complete(-EIO);
            return false;
        }
        return true;
    }

    /**
     * Reads a WRITE's data from the kernel into the tag's buffer ({@code in}), or writes a READ's data from it
     * to the kernel, on the ring, with the user data {@link UserData#copy}. /dev/ublkcN has no non-blocking
     * reads, so the ring hands these to its workers at once.
     */
    void queue(Ring ring, TagRequest request, int tag, boolean in, int length) {
        MemorySegment buffer = request.tagBuffer();
        long at = IoCmd.userCopyOffset(spec.queueId(), tag, 0);
        var sqe = in ? ring.sqe().read(KernelChannel.UBLKC_FILE, buffer, 0, length, at)
                : ring.sqe().write(KernelChannel.UBLKC_FILE, buffer, 0, length, at);
        sqe.fixedFile().async().userData(UserData.copy(tag));
    }

    /**
     * pread (in) or pwrite of {@code length} bytes between /dev/ublkcN and the tag's buffer, on the queue
     * thread: the target's slow path, which asks for this, holds the thread anyway, and the ring would hand
     * it to an io-wq worker (the device has no non-blocking I/O), which costs more. Returns bytes or -errno.
     */
    long bySyscall(TagRequest request, int tag, boolean in, int length) {
        MemorySegment data = request.tagBuffer().asSlice(0, length);
        long at = IoCmd.userCopyOffset(spec.queueId(), tag, 0);
        try {
            return in ? Linux.pread(charFd, data, at) : Linux.pwrite(charFd, data, at);
        } catch (ErrnoException e) {
            LOG.error("queue {} of device {}: copying {} {} /dev/ublkc{}: {}", spec.queueId(), spec.deviceId(),
                    request, in ? "from" : "to", spec.deviceId(), e.getMessage());
            return -e.errno();
        }
    }
}
