package io.jublk.core.device;

import io.jublk.core.uapi.IoDesc;
import io.jublk.target.TargetOptions;
import java.util.Objects;

/**
 * What a user asks for when adding a device.
 *
 * @param id         the device id, or -1 to let the kernel choose
 * @param queues     hardware queues, one thread each
 * @param depth      tags per queue
 * @param maxIoBytes the largest single request
 * @param recovery   what the kernel does when the server goes away
 * @param targetType the target's type name
 * @param options    the target's options
 * @param transfer   how request data moves between the kernel and the target
 * @param hold       what the device does while its target is away
 * @param commands   per-tag or batch (UBLK_F_BATCH_IO) commands between the queues and the kernel
 */
public record DeviceSpec(int id, int queues, int depth, int maxIoBytes, RecoveryMode recovery, String targetType,
                         TargetOptions options, DataTransfer transfer, HoldPolicy hold, IoCommands commands) {
    public static final int DEFAULT_QUEUES = 1;
    public static final int DEFAULT_DEPTH = 128;
    public static final int DEFAULT_MAX_IO_BYTES = 512 << 10;
    /** The kernel's limit on hardware queues (UBLK_MAX_NR_QUEUES). */
    public static final int MAX_QUEUES = 4096;
    public static final int MAX_ID = (1 << 20) - 1;

    public DeviceSpec {
        Objects.requireNonNull(recovery, "recovery");
        Objects.requireNonNull(targetType, "targetType");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(transfer, "transfer");
        Objects.requireNonNull(hold, "hold");
        Objects.requireNonNull(commands, "commands");
        if (id < -1 || id > MAX_ID) {
            throw new IllegalArgumentException("device id must be 0.." + MAX_ID + " (or -1 for any): " + id);
        }
        if (queues < 1 || queues > MAX_QUEUES) {
            throw new IllegalArgumentException("queues must be 1.." + MAX_QUEUES + ": " + queues);
        }
        if (depth < 1 || depth > IoDesc.MAX_QUEUE_DEPTH) {
            throw new IllegalArgumentException("queue depth must be 1.." + IoDesc.MAX_QUEUE_DEPTH + ": " + depth);
        }
        if (maxIoBytes < 4096 || Integer.bitCount(maxIoBytes) != 1 || maxIoBytes > (1 << 25)) {
            throw new IllegalArgumentException("max I/O size must be a power of two from 4K to 32M: " + maxIoBytes);
        }
    }

    /** A spec with per-tag commands. */
    public DeviceSpec(int id, int queues, int depth, int maxIoBytes, RecoveryMode recovery, String targetType,
                      TargetOptions options, DataTransfer transfer, HoldPolicy hold) {
        this(id, queues, depth, maxIoBytes, recovery, targetType, options, transfer, hold, IoCommands.PER_TAG);
    }

    /** A spec with {@link DataTransfer#AUTO} and the default {@link HoldPolicy}. */
    public DeviceSpec(int id, int queues, int depth, int maxIoBytes, RecoveryMode recovery, String targetType,
                      TargetOptions options) {
        this(id, queues, depth, maxIoBytes, recovery, targetType, options, DataTransfer.AUTO, HoldPolicy.DEFAULT);
    }

    /** A spec with {@link DataTransfer#AUTO}. */
    public DeviceSpec(int id, int queues, int depth, int maxIoBytes, RecoveryMode recovery, String targetType,
                      TargetOptions options, HoldPolicy hold) {
        this(id, queues, depth, maxIoBytes, recovery, targetType, options, DataTransfer.AUTO, hold);
    }

    /** A spec with the default {@link HoldPolicy}. */
    public DeviceSpec(int id, int queues, int depth, int maxIoBytes, RecoveryMode recovery, String targetType,
                      TargetOptions options, DataTransfer transfer) {
        this(id, queues, depth, maxIoBytes, recovery, targetType, options, transfer, HoldPolicy.DEFAULT);
    }

    /** This spec with another data transfer. */
    public DeviceSpec withTransfer(DataTransfer other) {
        return new DeviceSpec(id, queues, depth, maxIoBytes, recovery, targetType, options, other, hold, commands);
    }

    /** This spec with other I/O commands. */
    public DeviceSpec withCommands(IoCommands other) {
        return new DeviceSpec(id, queues, depth, maxIoBytes, recovery, targetType, options, transfer, hold, other);
    }
}
