package io.jublk.core.device;

import io.jublk.core.uapi.Feature;

/** What the kernel does with a device whose server went away. */
public enum RecoveryMode {
    /** The device dies with its server (the reference server's default). */
    NONE(0),
    /** The device waits QUIESCED; requests the server held fail with EIO (6.1+). */
    RECOVERY(Feature.USER_RECOVERY.mask()),
    /** The device waits QUIESCED; requests the server held are issued again (6.1+). */
    REISSUE(Feature.USER_RECOVERY.mask() | Feature.USER_RECOVERY_REISSUE.mask()),
    /** The device waits, failing new I/O with EIO until recovered (6.13+). */
    FAIL_IO(Feature.USER_RECOVERY.mask() | Feature.USER_RECOVERY_FAIL_IO.mask());

    private final long flags;

    RecoveryMode(long flags) {
        this.flags = flags;
    }

    public long flags() {
        return flags;
    }

    /** The mode a device's accepted flags describe. */
    public static RecoveryMode of(long flags) {
        if (!Feature.USER_RECOVERY.in(flags)) {
            return NONE;
        }
        if (Feature.USER_RECOVERY_REISSUE.in(flags)) {
            return REISSUE;
        }
        return Feature.USER_RECOVERY_FAIL_IO.in(flags) ? FAIL_IO : RECOVERY;
    }
}
