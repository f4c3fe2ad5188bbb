package io.jublk.core.uapi;

import java.util.ArrayList;
import java.util.List;

/** {@code UBLK_F_*}: feature flags of GET_FEATURES and of {@code ublksrv_ctrl_dev_info.flags}. */
public enum Feature {
    SUPPORT_ZERO_COPY(0, "zero_copy"),
    URING_CMD_COMP_IN_TASK(1, "comp_in_task"),
    NEED_GET_DATA(2, "need_get_data"),
    USER_RECOVERY(3, "recovery"),
    USER_RECOVERY_REISSUE(4, "recovery_reissue"),
    UNPRIVILEGED_DEV(5, "unprivileged"),
    CMD_IOCTL_ENCODE(6, "cmd_ioctl_encode"),
    USER_COPY(7, "user_copy"),
    ZONED(8, "zoned"),
    USER_RECOVERY_FAIL_IO(9, "recovery_fail_io"),
    UPDATE_SIZE(10, "update_size"),
    AUTO_BUF_REG(11, "auto_buf_reg"),
    QUIESCE(12, "quiesce"),
    PER_IO_DAEMON(13, "per_io_daemon"),
    BUF_REG_OFF_DAEMON(14, "buf_reg_off_daemon"),
    BATCH_IO(15, "batch_io"),
    INTEGRITY(16, "integrity"),
    SAFE_STOP_DEV(17, "safe_stop_dev"),
    NO_AUTO_PART_SCAN(18, "no_auto_part_scan"),
    SHMEM_ZC(19, "shmem_zc");

    private final int bit;
    private final String shortName;

    Feature(int bit, String shortName) {
        this.bit = bit;
        this.shortName = shortName;
    }

    public long mask() {
        return 1L << bit;
    }

    public int bit() {
        return bit;
    }

    /** The lower-case name used in listings, like the reference server's. */
    public String shortName() {
        return shortName;
    }

    public boolean in(long flags) {
        return (flags & mask()) != 0;
    }

    /** The known features set in {@code flags}, lowest bit first. */
    public static List<Feature> decode(long flags) {
        List<Feature> set = new ArrayList<>();
        for (Feature f : values()) {
            if (f.in(flags)) {
                set.add(f);
            }
        }
        return set;
    }

    /** Bits set in {@code flags} that this version of jublk has no name for (a newer kernel). */
    public static long unknownBits(long flags) {
        long known = 0;
        for (Feature f : values()) {
            known |= f.mask();
        }
        return flags & ~known;
    }
}
