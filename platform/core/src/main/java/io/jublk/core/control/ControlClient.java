package io.jublk.core.control;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jublk.core.uapi.ControlCommand;
import io.jublk.core.uapi.CtrlCmd;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Params;
import io.jublk.uring.Ring;
import io.jublk.uring.RingConfig;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;

/**
 * A connection to {@code /dev/ublk-control}: a small SQE128 ring over which each command is one
 * URING_CMD, submitted and awaited. Like every ring it belongs to the thread that opened it; open one
 * where it is needed and close it after (setting one up costs microseconds).
 */
public final class ControlClient implements AutoCloseable {
    public static final String CONTROL_DEVICE = "/dev/ublk-control";
    /** What every command that needs the driver says when it is missing (also logged once at start). */
    public static final String DRIVER_MISSING = "no " + CONTROL_DEVICE + ": the kernel's ublk driver is not loaded"
            + " (modprobe ublk_drv; it needs Linux 6.0 or newer built with CONFIG_BLK_DEV_UBLK)";
    /** sizeof(__u64) buffer that GET_FEATURES fills. */
    private static final long FEATURES_SIZE = 8;
    /**
     * The CPU mask GET_QUEUE_AFFINITY fills: room for 8192 CPUs (the kernel wants at least its number of
     * possible CPUs, in whole longs, copies its mask and zeroes the rest).
     */
    private static final long CPU_MASK_SIZE = 1024;

    private final int fd;
    private final Ring ring;
    private final Arena arena = Arena.ofConfined();
    /** Command buffers: dev_info, params and features; the kernel reads or writes them until the CQE. */
    private final MemorySegment devInfo = arena.allocate(DevInfo.SIZE, 8);
    private final MemorySegment params = arena.allocate(Params.SIZE, 8);
    private final MemorySegment features = arena.allocate(FEATURES_SIZE, 8);
    private final MemorySegment cpuMask = arena.allocate(CPU_MASK_SIZE, 8);
    private long nextUserData = 1;

    private ControlClient(int fd, Ring ring) {
        this.fd = fd;
        this.ring = ring;
    }

    /** Opens the control device; a missing driver or missing rights get a message that says so. */
    public static ControlClient open() throws IOException {
        int fd;
        try {
            fd = Linux.open(CONTROL_DEVICE, Linux.O_RDWR | Linux.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            if (e.error() == Errno.ENOENT || e.error() == Errno.ENODEV || e.error() == Errno.ENXIO) {
                throw new IOException(DRIVER_MISSING, e);
            }
            if (e.error() == Errno.EACCES || e.error() == Errno.EPERM) {
                throw new IOException("cannot open " + CONTROL_DEVICE + ": permission denied (run jublk as root)", e);
            }
            throw e;
        }
        try {
            return new ControlClient(fd, Ring.open(RingConfig.builder(4).sqe128(true).build()));
        } catch (IOException | RuntimeException e) {
            Linux.close(fd);
            throw e;
        }
    }

    /** GET_FEATURES: the UBLK_F_* flags this kernel supports. */
    public long features() throws ErrnoException {
        execute(ControlCommand.GET_FEATURES, CtrlCmd.ANY_DEVICE, features, 0);
        return features.get(JAVA_LONG, 0);
    }

    /**
     * ADD_DEV. {@code request.devId()} may be {@link CtrlCmd#ANY_DEVICE}. Returns what the kernel made,
     * including the id it chose and the flags it accepted (which may be fewer than asked).
     */
    public DevInfo addDevice(DevInfo request) throws ErrnoException {
        request.write(devInfo);
        execute(ControlCommand.ADD_DEV, request.devId(), devInfo, 0);
        return DevInfo.read(devInfo);
    }

    /** GET_DEV_INFO: the kernel's view of device {@code devId}. */
    public DevInfo deviceInfo(int devId) throws ErrnoException {
        devInfo.fill((byte) 0);
        execute(ControlCommand.GET_DEV_INFO, devId, devInfo, 0);
        return DevInfo.read(devInfo);
    }

    /** SET_PARAMS (only before START_DEV, never during recovery). */
    public void setParams(int devId, Params value) throws ErrnoException {
        value.write(params);
        execute(ControlCommand.SET_PARAMS, devId, params, 0);
    }

    /** GET_PARAMS: what the kernel really took, devt included once the device was started. */
    public Params params(int devId) throws ErrnoException {
        params.fill((byte) 0);
        params.set(JAVA_INT, 0, (int) Params.SIZE);
        execute(ControlCommand.GET_PARAMS, devId, params, 0);
        return Params.read(params);
    }

    /** GET_QUEUE_AFFINITY: the CPUs whose I/O the kernel sends to queue {@code queueId} of device {@code devId}. */
    public BitSet queueAffinity(int devId, int queueId) throws ErrnoException {
        cpuMask.fill((byte) 0);
        execute(ControlCommand.GET_QUEUE_AFFINITY, devId, cpuMask, queueId);
        // the kernel's cpumask is an array of native (little-endian) longs: byte n holds CPUs 8n..8n+7
        return BitSet.valueOf(cpuMask.toArray(JAVA_BYTE));
    }

    /** START_DEV; blocks until every tag of every queue was fetched, so call it off the queue threads. */
    public void startDevice(int devId, int serverPid) throws ErrnoException {
        execute(ControlCommand.START_DEV, devId, MemorySegment.NULL, serverPid);
    }

    /** STOP_DEV: removes the disk; queues then see their fetches aborted. */
    public void stopDevice(int devId) throws ErrnoException {
        execute(ControlCommand.STOP_DEV, devId, MemorySegment.NULL, 0);
    }

    /**
     * QUIESCE_DEV (6.16+, devices added with UBLK_F_QUIESCE): the planned hand-over. The kernel stops
     * dispatching, waits up to {@code timeoutMillis} for the requests the server holds, then aborts every
     * fetch, so the queues end; the device waits QUIESCED for the next server.
     */
    public void quiesceDevice(int devId, long timeoutMillis) throws ErrnoException {
        execute(ControlCommand.QUIESCE_DEV, devId, MemorySegment.NULL, timeoutMillis);
    }

    /** DEL_DEV; blocks until the last reference to /dev/ublkcN is gone. */
    public void deleteDevice(int devId) throws ErrnoException {
        execute(ControlCommand.DEL_DEV, devId, MemorySegment.NULL, 0);
    }

    /**
     * DEL_DEV_ASYNC (6.9+): removes the device without waiting for the last reference to /dev/ublkcN, so a
     * process that still holds it (a hung earlier server) cannot block the caller; the device id is freed
     * when that reference goes. -EOPNOTSUPP on kernels without it.
     */
    public void deleteDeviceAsync(int devId) throws ErrnoException {
        execute(ControlCommand.DEL_DEV_ASYNC, devId, MemorySegment.NULL, 0);
    }

    /** DEL_DEV_ASYNC where the kernel has it (6.9+), else DEL_DEV. */
    public void deleteDeviceWithoutWaiting(int devId) throws ErrnoException {
        try {
            deleteDeviceAsync(devId);
        } catch (ErrnoException e) {
            if (e.error() != io.jublk.uring.sys.Errno.EOPNOTSUPP) {
                throw e;
            }
            deleteDevice(devId); // before 6.9
        }
    }

    /**
     * UPDATE_SIZE (6.16+): the started disk's capacity becomes {@code sectors} (512-byte units), and the kernel
     * tells its users (a uevent, as for any capacity change). The server must serve the new range first.
     */
    public void updateSize(int devId, long sectors) throws ErrnoException {
        execute(ControlCommand.UPDATE_SIZE, devId, MemorySegment.NULL, sectors);
    }

    /** START_USER_RECOVERY; -EBUSY while the previous server still holds /dev/ublkcN. */
    public void startUserRecovery(int devId) throws ErrnoException {
        execute(ControlCommand.START_USER_RECOVERY, devId, MemorySegment.NULL, 0);
    }

    /** END_USER_RECOVERY: the device goes LIVE with {@code serverPid} serving it. */
    public void endUserRecovery(int devId, int serverPid) throws ErrnoException {
        execute(ControlCommand.END_USER_RECOVERY, devId, MemorySegment.NULL, serverPid);
    }

    private int execute(ControlCommand command, int devId, MemorySegment buffer, long data) throws ErrnoException {
        long userData = nextUserData++;
        var sqe = ring.sqe().uringCmd(fd, command.opcode()).userData(userData);
        CtrlCmd.write(sqe.cmd(), devId, CtrlCmd.NO_QUEUE, buffer, data);
        int res = ring.awaitCompletion(userData, null);
        String device = devId == CtrlCmd.ANY_DEVICE ? "" : " (device " + devId + ")";
        return ErrnoException.check(res, command + device);
    }

    @Override
    public void close() {
        ring.close();
        try {
            Linux.close(fd);
        } catch (ErrnoException e) {
            // the fd is gone either way; nothing to recover
        }
        // only after the ring closed: no command can still be writing these buffers
        arena.close();
    }
}
