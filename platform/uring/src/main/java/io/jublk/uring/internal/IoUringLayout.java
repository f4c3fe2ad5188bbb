package io.jublk.uring.internal;

/**
 * Byte offsets and sizes of the io_uring kernel ABI (include/uapi/linux/io_uring.h). This is the one
 * place they live; a test compares them with offsetof() from the installed header.
 */
public final class IoUringLayout {
    // struct io_uring_sqe: 64 bytes, or 128 with IORING_SETUP_SQE128.
    public static final int SQE_SIZE = 64;
    public static final int SQE128_SIZE = 128;
    public static final long SQE_OPCODE = 0;        // u8
    public static final long SQE_FLAGS = 1;         // u8, IOSQE_*
    public static final long SQE_IOPRIO = 2;        // u16
    public static final long SQE_FD = 4;            // s32
    public static final long SQE_OFF = 8;           // u64 off / addr2
    public static final long SQE_CMD_OP = 8;        // u32 cmd_op (URING_CMD)
    public static final long SQE_CMD_OP_PAD = 12;   // u32 __pad1, must be 0
    public static final long SQE_ADDR = 16;         // u64 addr / splice_off_in
    public static final long SQE_LEN = 24;          // u32
    public static final long SQE_OP_FLAGS = 28;     // u32 rw_flags, fsync_flags, timeout_flags, cancel_flags, ...
    public static final long SQE_USER_DATA = 32;    // u64
    public static final long SQE_BUF_INDEX = 40;    // u16 buf_index / buf_group
    public static final long SQE_PERSONALITY = 42;  // u16
    public static final long SQE_FILE_INDEX = 44;   // u32 file_index / s32 splice_fd_in
    public static final long SQE_ADDR3 = 48;        // u64
    public static final long SQE_CMD = 48;          // command area of URING_CMD
    public static final int SQE_CMD_SIZE = 16;      // in a 64-byte SQE
    public static final int SQE128_CMD_SIZE = 80;   // in a 128-byte SQE

    // struct io_uring_cqe: 16 bytes, or 32 with IORING_SETUP_CQE32.
    public static final int CQE_SIZE = 16;
    public static final int CQE32_SIZE = 32;
    public static final long CQE_USER_DATA = 0;     // u64
    public static final long CQE_RES = 8;           // s32
    public static final long CQE_FLAGS = 12;        // u32
    public static final long CQE_BIG = 16;          // u64[2], CQE32 only

    // struct io_uring_params (120 bytes).
    public static final int PARAMS_SIZE = 120;
    public static final long PARAMS_SQ_ENTRIES = 0;
    public static final long PARAMS_CQ_ENTRIES = 4;
    public static final long PARAMS_FLAGS = 8;
    public static final long PARAMS_SQ_THREAD_CPU = 12;
    public static final long PARAMS_SQ_THREAD_IDLE = 16;
    public static final long PARAMS_FEATURES = 20;
    public static final long PARAMS_WQ_FD = 24;
    public static final long PARAMS_SQ_OFF = 40;    // struct io_sqring_offsets
    public static final long PARAMS_CQ_OFF = 80;    // struct io_cqring_offsets

    // struct io_sqring_offsets, relative to PARAMS_SQ_OFF; each value is an offset into the SQ ring mmap.
    public static final long SQ_OFF_HEAD = 0;
    public static final long SQ_OFF_TAIL = 4;
    public static final long SQ_OFF_RING_MASK = 8;
    public static final long SQ_OFF_RING_ENTRIES = 12;
    public static final long SQ_OFF_FLAGS = 16;
    public static final long SQ_OFF_DROPPED = 20;
    public static final long SQ_OFF_ARRAY = 24;

    // struct io_cqring_offsets, relative to PARAMS_CQ_OFF; each value is an offset into the CQ ring mmap.
    public static final long CQ_OFF_HEAD = 0;
    public static final long CQ_OFF_TAIL = 4;
    public static final long CQ_OFF_RING_MASK = 8;
    public static final long CQ_OFF_RING_ENTRIES = 12;
    public static final long CQ_OFF_OVERFLOW = 16;
    public static final long CQ_OFF_CQES = 20;
    public static final long CQ_OFF_FLAGS = 24;

    // struct io_uring_getevents_arg (IORING_ENTER_EXT_ARG).
    public static final int GETEVENTS_ARG_SIZE = 24;
    public static final long GETEVENTS_ARG_SIGMASK = 0;
    public static final long GETEVENTS_ARG_SIGMASK_SZ = 8;
    public static final long GETEVENTS_ARG_TS = 16;

    // struct __kernel_timespec.
    public static final int TIMESPEC_SIZE = 16;
    public static final long TIMESPEC_SEC = 0;
    public static final long TIMESPEC_NSEC = 8;

    // struct iovec.
    public static final int IOVEC_SIZE = 16;
    public static final long IOVEC_BASE = 0;
    public static final long IOVEC_LEN = 8;

    // struct io_uring_probe and its io_uring_probe_op entries.
    public static final int PROBE_HEADER_SIZE = 16;
    public static final int PROBE_OP_SIZE = 8;
    public static final long PROBE_LAST_OP = 0;     // u8
    public static final long PROBE_OPS_LEN = 1;     // u8
    public static final long PROBE_OP_FLAGS = 2;    // u16 within an op entry

    private IoUringLayout() {
    }
}
