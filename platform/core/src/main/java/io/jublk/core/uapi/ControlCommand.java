package io.jublk.core.uapi;

/**
 * Control opcodes of {@code /dev/ublk-control}, ioctl-encoded over {@code struct ublksrv_ctrl_cmd}.
 * {@link #sinceKernel} says which kernel introduced the command, for error messages only: whether a
 * kernel has it is learnt from GET_FEATURES or from the command's own result, never from a version.
 */
public enum ControlCommand {
    GET_QUEUE_AFFINITY(0x01, false, "6.0"),
    GET_DEV_INFO(0x02, false, "6.0"),
    ADD_DEV(0x04, true, "6.0"),
    DEL_DEV(0x05, true, "6.0"),
    START_DEV(0x06, true, "6.0"),
    STOP_DEV(0x07, true, "6.0"),
    SET_PARAMS(0x08, true, "6.0"),
    GET_PARAMS(0x09, false, "6.0"),
    START_USER_RECOVERY(0x10, true, "6.1"),
    END_USER_RECOVERY(0x11, true, "6.1"),
    GET_DEV_INFO2(0x12, false, "6.3"),
    GET_FEATURES(0x13, false, "6.5"),
    DEL_DEV_ASYNC(0x14, false, "6.9"),
    UPDATE_SIZE(0x15, true, "6.16"),
    QUIESCE_DEV(0x16, true, "6.16"),
    TRY_STOP_DEV(0x17, true, "7.0");

    private final int number;
    private final int opcode;
    private final String sinceKernel;

    ControlCommand(int number, boolean readWrite, String sinceKernel) {
        this.number = number;
        this.opcode = readWrite
                ? Ioctl.iowr('u', number, (int) CtrlCmd.SIZE)
                : Ioctl.ior('u', number, (int) CtrlCmd.SIZE);
        this.sinceKernel = sinceKernel;
    }

    /** The ioctl-encoded opcode that goes into {@code sqe->cmd_op}. */
    public int opcode() {
        return opcode;
    }

    /** The legacy plain number (accepted only by kernels built with legacy opcodes). */
    public int legacyNumber() {
        return number;
    }

    public String sinceKernel() {
        return sinceKernel;
    }
}
