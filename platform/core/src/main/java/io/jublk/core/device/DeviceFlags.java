package io.jublk.core.device;

import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import io.jublk.target.DiskGeometry;
import io.jublk.target.Target;
import java.io.IOException;

/**
 * What a device asks the kernel for at ADD_DEV and SET_PARAMS: its UBLK_F_* flags (recovery, data transfer, I/O
 * commands) on a kernel with given features, its params for a target's geometry, and what the accepted flags
 * mean for a target. Pure functions: {@link UblkDevice} runs the control commands.
 */
final class DeviceFlags {
    private DeviceFlags() {
    }

    /** The UBLK_F_* flags ADD_DEV asks for: refuses, in one line, what this kernel's driver lacks. */
    static long forAdd(DeviceSpec spec, long kernel, Target target) throws IOException {
        long flags = spec.recovery().flags();
        long missing = flags & ~kernel;
        if (missing != 0) {
            throw new IOException("this kernel's ublk driver lacks " + Feature.decode(missing)
                    + " needed for recovery mode " + spec.recovery());
        }
        if (Feature.CMD_IOCTL_ENCODE.in(kernel)) {
            flags |= Feature.CMD_IOCTL_ENCODE.mask();
        }
        if (spec.recovery() != RecoveryMode.NONE && Feature.QUIESCE.in(kernel)) {
            flags |= Feature.QUIESCE.mask(); // lets a core restart hand the device over with QUIESCE_DEV
        }
        flags |= transferFlags(spec.transfer(), kernel, target.acceptsRegisteredBuffers());
        flags |= commandFlags(spec.commands(), kernel);
        return flags;
    }

    /**
     * The UBLK_F_* flags that ask for {@code transfer} on a kernel with {@code kernel}'s features. AUTO asks for
     * AUTO_BUF_REG when the target can use registered buffers, with USER_COPY beside it so that a request
     * whose pages the kernel could not register still reaches the queue (see
     * {@link io.jublk.core.queue.QueueRunner}); the queues then follow what the kernel accepted, read back
     * after ADD_DEV.
     */
    static long transferFlags(DataTransfer transfer, long kernel, boolean targetTakesRegisteredBuffers)
            throws IOException {
        return switch (transfer) {
            case COPY -> 0;
            case USER_COPY -> {
                if (!Feature.USER_COPY.in(kernel)) {
                    throw new IOException("this kernel's ublk driver lacks USER_COPY (Linux 6.5+)");
                }
                yield Feature.USER_COPY.mask();
            }
            case AUTO -> targetTakesRegisteredBuffers && Feature.AUTO_BUF_REG.in(kernel)
                    ? Feature.AUTO_BUF_REG.mask() | (kernel & Feature.USER_COPY.mask()) : 0;
        };
    }

    /** The UBLK_F_* flag that asks for {@code commands} on a kernel with {@code kernel}'s features. */
    static long commandFlags(IoCommands commands, long kernel) throws IOException {
        return switch (commands) {
            case PER_TAG -> 0;
            case BATCH -> {
                if (!Feature.BATCH_IO.in(kernel)) {
                    throw new IOException("this kernel's ublk driver lacks BATCH_IO (Linux 7.0+)");
                }
                yield Feature.BATCH_IO.mask();
            }
            case AUTO -> kernel & Feature.BATCH_IO.mask();
        };
    }

    /**
     * Whether {@link UblkDevice#release} hands the device over with QUIESCE_DEV. Not with BATCH_IO: there the
     * kernel (7.x, ublk_batch_cancel_queue) sets the queue's force_abort, which nothing clears, so every request
     * after it fails with EIO (ublk_prep_req) and the next server's FETCH_IO_CMDS gets ENODEV
     * (ublk_batch_attach). Closing the queues instead ends the fetch through its io_uring cancel
     * (ublk_batch_cancel_fn), which leaves force_abort alone; the release work then quiesces the device as
     * after a crash.
     */
    static boolean quiescesOnRelease(long flags) {
        return Feature.QUIESCE.in(flags) && !Feature.BATCH_IO.in(flags);
    }

    /**
     * Whether {@code target} can reach the data of a device with these accepted flags: a target without
     * registered buffers on a zero-copy device is served through USER_COPY, when the device has it.
     */
    static boolean reachesData(long flags, Target target) {
        return !Feature.AUTO_BUF_REG.in(flags) || Feature.USER_COPY.in(flags) || target.acceptsRegisteredBuffers();
    }

    /** How a device with these accepted flags moves data, in words for the log. */
    static String transferName(long flags) {
        if (Feature.AUTO_BUF_REG.in(flags)) {
            return Feature.USER_COPY.in(flags) ? "zero copy (AUTO_BUF_REG, USER_COPY fallback)" : "zero copy (AUTO_BUF_REG)";
        }
        return Feature.USER_COPY.in(flags) ? "USER_COPY" : "copy mode";
    }

    /** The kernel's params for a target's geometry. */
    static Params params(DiskGeometry g, int maxIoBytes) {
        int attrs = (g.readOnly() ? Params.ATTR_READ_ONLY : 0) | (g.rotational() ? Params.ATTR_ROTATIONAL : 0)
                | (g.volatileCache() ? Params.ATTR_VOLATILE_CACHE : 0) | (g.fua() ? Params.ATTR_FUA : 0);
        int logicalShift = Integer.numberOfTrailingZeros(g.logicalBlockSize());
        int physicalShift = Integer.numberOfTrailingZeros(g.physicalBlockSize());
        Params.Basic basic = new Params.Basic(attrs, logicalShift, physicalShift, physicalShift, logicalShift,
                maxIoBytes >> 9, 0, g.sizeBytes() >> 9, 0);
        Params.Discard discard = null;
        if (g.supportsDiscard()) {
            int maxSectors = (int) Math.min(g.maxDiscardBytes() >> 9, Integer.MAX_VALUE);
            discard = new Params.Discard(0, g.discardGranularity(), maxSectors, maxSectors, 1);
        }
        return new Params(basic, discard, null);
    }
}
