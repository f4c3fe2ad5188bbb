package io.jublk.uring;

import java.io.IOException;

/**
 * io_uring cannot be used here, and the message says why: liburing missing, io_uring disabled by
 * {@code /proc/sys/kernel/io_uring_disabled}, blocked by seccomp, or a kernel too old for the flags.
 */
public class UringUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public UringUnavailableException(String message) {
        this(message, 0, null);
    }

    public UringUnavailableException(String message, int errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** The errno io_uring_setup failed with, or 0 when the failure was not a syscall error. */
    public int errno() {
        return errno;
    }
}
