package io.jublk.core.uapi;

/** {@code ublksrv_ctrl_dev_info.state}: the kernel's view of a device. */
public enum DeviceState {
    DEAD(0), LIVE(1), QUIESCED(2), FAIL_IO(3);

    private final int value;

    DeviceState(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** The state for a kernel value; unknown values (a newer kernel) fail loudly instead of guessing. */
    public static DeviceState of(int value) {
        for (DeviceState s : values()) {
            if (s.value == value) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown ublk device state " + value);
    }
}
