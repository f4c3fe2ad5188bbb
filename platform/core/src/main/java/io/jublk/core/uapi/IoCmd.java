package io.jublk.core.uapi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code struct ublksrv_io_cmd} (16 bytes): FETCH_REQ / COMMIT_AND_FETCH_REQ / NEED_GET_DATA, carried in a
 * plain SQE's command area.
 */
public final class IoCmd {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("q_id"),
            JAVA_SHORT.withName("tag"),
            JAVA_INT.withName("result"),
            JAVA_LONG.withName("addr"));
    public static final long SIZE = LAYOUT.byteSize();

    static final long Q_ID = LAYOUT.byteOffset(groupElement("q_id"));
    static final long TAG = LAYOUT.byteOffset(groupElement("tag"));
    static final long RESULT = LAYOUT.byteOffset(groupElement("result"));
    static final long ADDR = LAYOUT.byteOffset(groupElement("addr"));

    public static final int FETCH_REQ = Ioctl.iowr('u', 0x20, (int) SIZE);
    public static final int COMMIT_AND_FETCH_REQ = Ioctl.iowr('u', 0x21, (int) SIZE);
    public static final int NEED_GET_DATA = Ioctl.iowr('u', 0x22, (int) SIZE);

    /** Fetch CQE result: descriptor {@code tag} holds a new request. */
    public static final int RES_OK = 0;
    /** Fetch CQE result: the kernel wants the WRITE buffer address first (NEED_GET_DATA mode). */
    public static final int RES_NEED_GET_DATA = 1;

    /** Base of the USER_COPY file offsets on /dev/ublkcN. */
    public static final long USER_COPY_BASE = 0x80000000L;
    private static final int USER_COPY_QID_SHIFT = 41;
    private static final int USER_COPY_TAG_SHIFT = 25;

    /**
     * {@code ublk_auto_buf_reg.flags}: when the kernel cannot register a request's buffer, deliver the request
     * anyway with {@link IoOp#FLAG_NEED_REG_BUF} set, instead of failing it with EIO unseen.
     */
    public static final int AUTO_BUF_REG_FALLBACK = 1;
    private static final int AUTO_BUF_REG_FLAGS_SHIFT = 16;

    private IoCmd() {
    }

    public static void write(MemorySegment cmd, int queueId, int tag, int result, long bufferAddress) {
        cmd.set(JAVA_SHORT, Q_ID, (short) queueId);
        cmd.set(JAVA_SHORT, TAG, (short) tag);
        cmd.set(JAVA_INT, RESULT, result);
        cmd.set(JAVA_LONG, ADDR, bufferAddress);
    }

    /**
     * The SQE {@code addr} of a FETCH_REQ / COMMIT_AND_FETCH_REQ on a device with UBLK_F_AUTO_BUF_REG
     * ({@code struct ublk_auto_buf_reg} packed into 64 bits): the kernel puts the next request's pages into
     * registered-buffer slot {@code index} of the ring that issued the command. The reserved bits stay 0.
     */
    public static long autoBufReg(int index, int flags) {
        if (index < 0 || index > 0xffff || (flags & ~AUTO_BUF_REG_FALLBACK) != 0) {
            throw new IllegalArgumentException("auto buffer registration index " + index + ", flags " + flags);
        }
        return index | ((long) flags << AUTO_BUF_REG_FLAGS_SHIFT);
    }

    /** The pread/pwrite offset on /dev/ublkcN that reaches byte {@code offset} of a request's data (USER_COPY). */
    public static long userCopyOffset(int queueId, int tag, long offset) {
        return USER_COPY_BASE + ((long) queueId << USER_COPY_QID_SHIFT) + ((long) tag << USER_COPY_TAG_SHIFT) + offset;
    }
}
