package io.jublk.core.uapi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * {@code struct ublksrv_ctrl_dev_info} (64 bytes), exchanged by ADD_DEV and GET_DEV_INFO(2).
 *
 * @param queues        nr_hw_queues
 * @param queueDepth    queue_depth
 * @param state         the kernel's state of the device
 * @param maxIoBufBytes the largest single I/O the server accepts
 * @param devId         the device id (N in /dev/ublkbN)
 * @param serverPid     the pid the server gave START_DEV / END_USER_RECOVERY, or -1
 * @param flags         UBLK_F_* flags; after ADD_DEV, the ones the kernel accepted
 * @param serverFlags   ublksrv_flags: private to the server, kept by the kernel across recovery
 * @param ownerUid      owner_uid
 * @param ownerGid      owner_gid
 */
public record DevInfo(int queues, int queueDepth, DeviceState state, int maxIoBufBytes, int devId,
                      int serverPid, long flags, long serverFlags, int ownerUid, int ownerGid) {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("nr_hw_queues"),
            JAVA_SHORT.withName("queue_depth"),
            JAVA_SHORT.withName("state"),
            JAVA_SHORT.withName("pad0"),
            JAVA_INT.withName("max_io_buf_bytes"),
            JAVA_INT.withName("dev_id"),
            JAVA_INT.withName("ublksrv_pid"),
            JAVA_INT.withName("pad1"),
            JAVA_LONG.withName("flags"),
            JAVA_LONG.withName("ublksrv_flags"),
            JAVA_INT.withName("owner_uid"),
            JAVA_INT.withName("owner_gid"),
            JAVA_LONG.withName("reserved1"),
            JAVA_LONG.withName("reserved2"));
    public static final long SIZE = LAYOUT.byteSize();

    static final long NR_HW_QUEUES = offset("nr_hw_queues");
    static final long QUEUE_DEPTH = offset("queue_depth");
    static final long STATE = offset("state");
    static final long MAX_IO_BUF_BYTES = offset("max_io_buf_bytes");
    static final long DEV_ID = offset("dev_id");
    static final long UBLKSRV_PID = offset("ublksrv_pid");
    static final long FLAGS = offset("flags");
    static final long UBLKSRV_FLAGS = offset("ublksrv_flags");
    static final long OWNER_UID = offset("owner_uid");
    static final long OWNER_GID = offset("owner_gid");

    /** What a server asks ADD_DEV for; the kernel fills in the rest. */
    public static DevInfo request(int devId, int queues, int queueDepth, int maxIoBufBytes, long flags,
                                  long serverFlags) {
        return new DevInfo(queues, queueDepth, DeviceState.DEAD, maxIoBufBytes, devId, -1, flags, serverFlags, 0, 0);
    }

    public static DevInfo read(MemorySegment s) {
        return new DevInfo(
                Short.toUnsignedInt(s.get(JAVA_SHORT, NR_HW_QUEUES)),
                Short.toUnsignedInt(s.get(JAVA_SHORT, QUEUE_DEPTH)),
                DeviceState.of(Short.toUnsignedInt(s.get(JAVA_SHORT, STATE))),
                s.get(JAVA_INT, MAX_IO_BUF_BYTES),
                s.get(JAVA_INT, DEV_ID),
                s.get(JAVA_INT, UBLKSRV_PID),
                s.get(JAVA_LONG, FLAGS),
                s.get(JAVA_LONG, UBLKSRV_FLAGS),
                s.get(JAVA_INT, OWNER_UID),
                s.get(JAVA_INT, OWNER_GID));
    }

    public void write(MemorySegment s) {
        s.asSlice(0, SIZE).fill((byte) 0);
        s.set(JAVA_SHORT, NR_HW_QUEUES, (short) queues);
        s.set(JAVA_SHORT, QUEUE_DEPTH, (short) queueDepth);
        s.set(JAVA_SHORT, STATE, (short) state.value());
        s.set(JAVA_INT, MAX_IO_BUF_BYTES, maxIoBufBytes);
        s.set(JAVA_INT, DEV_ID, devId);
        s.set(JAVA_INT, UBLKSRV_PID, serverPid);
        s.set(JAVA_LONG, FLAGS, flags);
        s.set(JAVA_LONG, UBLKSRV_FLAGS, serverFlags);
        s.set(JAVA_INT, OWNER_UID, ownerUid);
        s.set(JAVA_INT, OWNER_GID, ownerGid);
    }

    private static long offset(String field) {
        return LAYOUT.byteOffset(groupElement(field));
    }
}
