package io.jublk.target;

import io.jublk.uring.Ring;
import io.jublk.uring.Sqe;

/** Ring operations that move a request's data, wherever the core put it (its buffer, or its registered pages). */
public final class RequestIo {
    private RequestIo() {
    }

    /**
     * An SQE on {@code ring} that reads (a READ request) into, or writes (a WRITE) out of, bytes {@code from}
     * to the end of {@code request}'s data, at {@code fileOffset} of {@code fd}: IORING_OP_READ / WRITE on
     * {@link IoRequest#buffer()}, or READ_FIXED / WRITE_FIXED on its registered buffer. The caller adds
     * the user data (and fixed-file or RW flags).
     */
    public static Sqe transfer(Ring ring, IoRequest request, int fd, int from, long fileOffset) {
        int rest = request.length() - from;
        int index = request.bufferIndex();
        if (request.operation() == IoOperation.READ) {
            return index == IoRequest.IN_BUFFER ? ring.sqe().read(fd, request.buffer(), from, rest, fileOffset)
                    : ring.sqe().readRegistered(fd, index, from, rest, fileOffset);
        }
        return index == IoRequest.IN_BUFFER ? ring.sqe().write(fd, request.buffer(), from, rest, fileOffset)
                : ring.sqe().writeRegistered(fd, index, from, rest, fileOffset);
    }

    /**
     * An SQE on {@code ring} that fills bytes {@code from} to the end of a READ request's registered buffer with
     * zeroes: READ_FIXED from {@code zeroFd}, an open /dev/zero (a process cannot touch those pages itself).
     * The caller adds the user data (and the fixed-file flag when {@code zeroFd} is a fixed-file index).
     */
    public static Sqe zeroFill(Ring ring, IoRequest request, int zeroFd, int from) {
        return ring.sqe().readRegistered(zeroFd, request.bufferIndex(), from, request.length() - from, 0);
    }
}
