package io.jublk.core.queue;

/** Where a queue sends the requests the kernel hands it. */
enum DispatchMode {
    /** To the attached target. */
    TARGET,
    /** Nowhere yet: the request waits, {@link TagState#HELD}, for a target (swap, crash, not installed). */
    HOLD,
    /** Back to the kernel with EIO: the device's policy gave up waiting for a target. */
    FAIL
}
