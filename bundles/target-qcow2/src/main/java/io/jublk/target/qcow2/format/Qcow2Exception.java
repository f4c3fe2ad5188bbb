package io.jublk.target.qcow2.format;

/**
 * An image that cannot be used as asked: invalid or corrupt metadata, an unsupported feature, or an I/O
 * failure. The message is one line meant for the user.
 */
public class Qcow2Exception extends Exception {
    private static final long serialVersionUID = 1L;

    public Qcow2Exception(String message) {
        super(message);
    }

    public Qcow2Exception(String message, Throwable cause) {
        super(message, cause);
    }
}
