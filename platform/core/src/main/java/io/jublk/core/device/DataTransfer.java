package io.jublk.core.device;

/** How request data moves between the kernel and the target, as a user asks for it. */
public enum DataTransfer {
    /**
     * Zero copy where it can be had: the kernel puts each request's pages into the queue ring's buffer table
     * (UBLK_F_AUTO_BUF_REG, 6.16+) for a target that accepts registered buffers; copy mode otherwise.
     */
    AUTO,
    /** Copy mode always: the kernel copies the data into and out of each tag's buffer. */
    COPY,
    /** UBLK_F_USER_COPY (6.5+): the queue thread copies the data itself through /dev/ublkcN. */
    USER_COPY
}
