package io.jublk.core.queue;

import io.jublk.core.uapi.IoCmd;
import io.jublk.uring.Ring;
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

    private final QueueSpec spec;
    private final int charFd;

    UserCopy(QueueSpec spec, int charFd) {
        this.spec = spec;
        this.charFd = charFd;
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
