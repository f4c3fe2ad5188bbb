package io.jublk.uring;

/**
 * io_uring ABI constants (values, not offsets) from include/uapi/linux/io_uring.h, for use with
 * {@link Sqe}, {@link RingConfig} and completion flags.
 */
public final class IoUring {
    // Opcodes (enum io_uring_op).
    public static final int OP_NOP = 0;
    public static final int OP_READV = 1;
    public static final int OP_WRITEV = 2;
    public static final int OP_FSYNC = 3;
    public static final int OP_READ_FIXED = 4;
    public static final int OP_WRITE_FIXED = 5;
    public static final int OP_POLL_ADD = 6;
    public static final int OP_POLL_REMOVE = 7;
    public static final int OP_TIMEOUT = 11;
    public static final int OP_TIMEOUT_REMOVE = 12;
    public static final int OP_ASYNC_CANCEL = 14;
    public static final int OP_LINK_TIMEOUT = 15;
    public static final int OP_FALLOCATE = 17;
    public static final int OP_READ = 22;
    public static final int OP_WRITE = 23;
    public static final int OP_MSG_RING = 40;
    public static final int OP_URING_CMD = 46;

    // sqe->flags (IOSQE_*).
    public static final int IOSQE_FIXED_FILE = 1;
    public static final int IOSQE_IO_DRAIN = 1 << 1;
    public static final int IOSQE_IO_LINK = 1 << 2;
    public static final int IOSQE_IO_HARDLINK = 1 << 3;
    public static final int IOSQE_ASYNC = 1 << 4;
    public static final int IOSQE_BUFFER_SELECT = 1 << 5;
    public static final int IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // io_uring_setup() flags.
    public static final int SETUP_IOPOLL = 1;
    public static final int SETUP_SQPOLL = 1 << 1;
    public static final int SETUP_CQSIZE = 1 << 3;
    public static final int SETUP_CLAMP = 1 << 4;
    public static final int SETUP_R_DISABLED = 1 << 6;
    public static final int SETUP_SUBMIT_ALL = 1 << 7;
    public static final int SETUP_COOP_TASKRUN = 1 << 8;
    public static final int SETUP_TASKRUN_FLAG = 1 << 9;
    public static final int SETUP_SQE128 = 1 << 10;
    public static final int SETUP_CQE32 = 1 << 11;
    public static final int SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int SETUP_DEFER_TASKRUN = 1 << 13;

    // io_uring_params->features.
    public static final int FEAT_SINGLE_MMAP = 1;
    public static final int FEAT_NODROP = 1 << 1;
    public static final int FEAT_SUBMIT_STABLE = 1 << 2;
    public static final int FEAT_FAST_POLL = 1 << 5;
    public static final int FEAT_EXT_ARG = 1 << 8;
    public static final int FEAT_NATIVE_WORKERS = 1 << 9;
    public static final int FEAT_RSRC_TAGS = 1 << 10;
    public static final int FEAT_CQE_SKIP = 1 << 11;
    public static final int FEAT_LINKED_FILE = 1 << 12;

    // io_uring_enter() flags.
    public static final int ENTER_GETEVENTS = 1;
    public static final int ENTER_EXT_ARG = 1 << 3;
    public static final int ENTER_REGISTERED_RING = 1 << 4;

    // SQ ring flags, written by the kernel.
    public static final int SQ_NEED_WAKEUP = 1;
    public static final int SQ_CQ_OVERFLOW = 1 << 1;
    public static final int SQ_TASKRUN = 1 << 2;

    // cqe->flags.
    public static final int CQE_F_BUFFER = 1;
    public static final int CQE_F_MORE = 1 << 1;
    /** The buffer id of a CQE with {@link #CQE_F_BUFFER} is in the flags' upper 16 bits. */
    public static final int CQE_BUFFER_SHIFT = 16;

    // sqe->fsync_flags.
    public static final int FSYNC_DATASYNC = 1;

    // sqe->timeout_flags.
    public static final int TIMEOUT_ABS = 1;
    public static final int TIMEOUT_BOOTTIME = 1 << 2;
    public static final int TIMEOUT_REALTIME = 1 << 3;
    public static final int TIMEOUT_ETIME_SUCCESS = 1 << 5;

    // sqe->cancel_flags.
    public static final int ASYNC_CANCEL_ALL = 1;
    public static final int ASYNC_CANCEL_FD = 1 << 1;
    public static final int ASYNC_CANCEL_ANY = 1 << 2;
    public static final int ASYNC_CANCEL_FD_FIXED = 1 << 3;

    // sqe->uring_cmd_flags.
    public static final int URING_CMD_FIXED = 1;
    /** A URING_CMD that posts a completion per event (with CQE_F_MORE) until it ends (6.18+). */
    public static final int URING_CMD_MULTISHOT = 1 << 1;

    // Poll events for OP_POLL_ADD.
    public static final int POLLIN = 0x001;
    public static final int POLLOUT = 0x004;

    // RWF_* for Sqe.rwFlags.
    public static final int RWF_HIPRI = 1;
    public static final int RWF_DSYNC = 2;
    public static final int RWF_SYNC = 4;
    public static final int RWF_NOWAIT = 8;
    public static final int RWF_APPEND = 16;

    /** Largest SQ the kernel accepts (IORING_MAX_ENTRIES). */
    public static final int MAX_ENTRIES = 32768;
    /** Largest CQ the kernel accepts (IORING_MAX_CQ_ENTRIES). */
    public static final int MAX_CQ_ENTRIES = 2 * MAX_ENTRIES;
    /** Largest registered-buffer table (IORING_MAX_REG_BUFFERS). */
    public static final int MAX_REGISTERED_BUFFERS = 1 << 14;

    private IoUring() {
    }
}
