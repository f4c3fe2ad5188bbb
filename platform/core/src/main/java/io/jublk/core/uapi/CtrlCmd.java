package io.jublk.core.uapi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code struct ublksrv_ctrl_cmd}: the 32 bytes a control command carries in an SQE128's command area. */
public final class CtrlCmd {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("dev_id"),
            JAVA_SHORT.withName("queue_id"),
            JAVA_SHORT.withName("len"),
            JAVA_LONG.withName("addr"),
            JAVA_LONG.withName("data"),
            JAVA_SHORT.withName("dev_path_len"),
            JAVA_SHORT.withName("pad"),
            JAVA_INT.withName("reserved"));
    public static final long SIZE = LAYOUT.byteSize();

    /** dev_id value that lets ADD_DEV choose the id. */
    public static final int ANY_DEVICE = -1;
    /** queue_id value for commands that are not about one queue. */
    public static final short NO_QUEUE = -1;

    static final long DEV_ID = offset("dev_id");
    static final long QUEUE_ID = offset("queue_id");
    static final long LEN = offset("len");
    static final long ADDR = offset("addr");
    static final long DATA = offset("data");
    static final long DEV_PATH_LEN = offset("dev_path_len");

    private CtrlCmd() {
    }

    /**
     * Writes a whole command (clearing the rest). {@code buffer} may be {@link MemorySegment#NULL}; it must
     * stay alive until the command's CQE.
     */
    public static void write(MemorySegment cmd, int devId, short queueId, MemorySegment buffer, long data) {
        if (buffer.byteSize() > 0xffff) {
            throw new IllegalArgumentException("control buffer too large: " + buffer.byteSize());
        }
        cmd.asSlice(0, SIZE).fill((byte) 0);
        cmd.set(JAVA_INT, DEV_ID, devId);
        cmd.set(JAVA_SHORT, QUEUE_ID, queueId);
        cmd.set(JAVA_SHORT, LEN, (short) buffer.byteSize());
        cmd.set(JAVA_LONG, ADDR, buffer.address());
        cmd.set(JAVA_LONG, DATA, data);
    }

    public static int devId(MemorySegment cmd) {
        return cmd.get(JAVA_INT, DEV_ID);
    }

    public static int len(MemorySegment cmd) {
        return Short.toUnsignedInt(cmd.get(JAVA_SHORT, LEN));
    }

    public static long addr(MemorySegment cmd) {
        return cmd.get(JAVA_LONG, ADDR);
    }

    public static long data(MemorySegment cmd) {
        return cmd.get(JAVA_LONG, DATA);
    }

    private static long offset(String field) {
        return LAYOUT.byteOffset(groupElement(field));
    }
}
