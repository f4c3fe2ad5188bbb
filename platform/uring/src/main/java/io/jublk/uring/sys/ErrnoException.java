package io.jublk.uring.sys;

import java.io.IOException;

/**
 * A failed syscall or io_uring operation, typed by its errno: {@code error() == Errno.EBADF}.
 * io_uring reports failures as a negative {@code res}; {@link #check(int, String)} turns one into this.
 */
public class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String operation;

    /**
     * @param operation what failed, e.g. "open /dev/ublk-control" or "io_uring read"
     * @param errno the positive errno number
     */
    public ErrnoException(String operation, int errno) {
        super(message(operation, errno));
        this.errno = errno;
        this.operation = operation;
    }

    /** Returns {@code res} when it is not negative, otherwise throws the error it names. */
    public static int check(int res, String operation) throws ErrnoException {
        if (res < 0) {
            throw new ErrnoException(operation, -res);
        }
        return res;
    }

    /** The positive errno number. */
    public int errno() {
        return errno;
    }

    /** The errno as an enum constant, or null when it has no name in {@link Errno}. */
    public Errno error() {
        return Errno.of(errno);
    }

    public String operation() {
        return operation;
    }

    private static String message(String operation, int errno) {
        Errno e = Errno.of(errno);
        String what = e != null ? e.name() + " (" + errno + ", " + e.description() + ")" : "errno " + errno;
        return operation + ": " + what;
    }
}
