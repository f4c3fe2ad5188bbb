package io.jublk.core.device;

import io.jublk.core.control.ControlClient;
import io.jublk.core.queue.QueueRunner;
import io.jublk.core.queue.QueueSpec;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import io.jublk.target.DiskGeometry;
import io.jublk.target.Target;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One served ublk device: the kernel device, its /dev/ublkcN handle, a queue thread per hardware
 * queue and the target behind them. {@link #create} either returns a LIVE device or leaves nothing
 * behind in the kernel.
 */
public final class UblkDevice {
    private static final Logger LOG = LoggerFactory.getLogger(UblkDevice.class);
    private static final long NODE_WAIT_MILLIS = 10_000;
    private static final long QUEUE_WAIT_SECONDS = 30;

    private final DeviceSpec spec;
    private final Target target;
    private DevInfo info;
    private int charFd = -1;
    private final List<QueueRunner> queues = new ArrayList<>();

    private UblkDevice(DeviceSpec spec, Target target) {
        this.spec = spec;
        this.target = target;
    }

    /**
     * Adds, configures and starts a device served by {@code target}. On failure the kernel device is
     * deleted again and the target stays open (the caller owns it).
     */
    public static UblkDevice create(ControlClient control, DeviceSpec spec, Target target) throws IOException {
        return create(control, spec, target, info -> { });
    }

    /** What must happen once the kernel gave the device its id and before it goes live (persisting it). */
    @FunctionalInterface
    public interface BeforeStart {
        void accept(DevInfo added) throws IOException;
    }

    /** Like {@link #create(ControlClient, DeviceSpec, Target)}, running {@code beforeStart} before START_DEV. */
    public static UblkDevice create(ControlClient control, DeviceSpec spec, Target target, BeforeStart beforeStart)
            throws IOException {
        long kernel = control.features();
        long flags = spec.recovery().flags();
        long missing = flags & ~kernel;
        if (missing != 0) {
            throw new IOException("this kernel's ublk driver lacks " + Feature.decode(missing)
                    + " needed for recovery mode " + spec.recovery());
        }
        if (Feature.CMD_IOCTL_ENCODE.in(kernel)) {
            flags |= Feature.CMD_IOCTL_ENCODE.mask();
        }
        flags |= transferFlags(spec.transfer(), kernel, target.acceptsRegisteredBuffers());
        UblkDevice device = new UblkDevice(spec, target);
        device.info = control.addDevice(DevInfo.request(spec.id(), spec.queues(), spec.depth(), spec.maxIoBytes(),
                flags, 0));
        try {
            if (spec.transfer() == DataTransfer.USER_COPY && !Feature.USER_COPY.in(device.info.flags())) {
                throw new IOException("the kernel did not accept USER_COPY for device " + device.info.devId()
                        + " (accepted flags 0x" + Long.toHexString(device.info.flags()) + ")");
            }
            device.start(control, beforeStart);
            return device;
        } catch (IOException | RuntimeException e) {
            device.abandon(control);
            throw e;
        }
    }

    /**
     * The UBLK_F_* flags that ask for {@code transfer} on a kernel with {@code kernel}'s features. AUTO asks for
     * AUTO_BUF_REG when the target can use registered buffers, with USER_COPY beside it so that a request
     * whose pages the kernel could not register still reaches the queue (see {@link QueueRunner}); the queues
     * then follow what the kernel accepted, read back after ADD_DEV.
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

    private void start(ControlClient control, BeforeStart beforeStart) throws IOException {
        int id = info.devId();
        control.setParams(id, params(target.geometry(), info.maxIoBufBytes()));
        beforeStart.accept(info);
        charFd = Linux.open(waitForNode(charDevice(id)).toString(), Linux.O_RDWR | Linux.O_CLOEXEC);
        long sectors = target.geometry().sizeBytes() >> 9;
        for (int q = 0; q < info.queues(); q++) {
            QueueRunner runner = new QueueRunner(new QueueSpec(id, q, info.queueDepth(), info.maxIoBufBytes(), sectors,
                    info.flags()), charFd, target);
            queues.add(runner);
            runner.start();
        }
        for (QueueRunner runner : queues) {
            await(runner.fetched(), "queue set-up");
        }
        control.startDevice(id, (int) ProcessHandle.current().pid());
        waitForNode(blockDevice(id));
        info = control.deviceInfo(id);
        LOG.info("ublk device {} is {} with {} queue(s) of depth {}, {}", id, info.state(), info.queues(),
                info.queueDepth(), transferName(info.flags()));
    }

    /** STOP_DEV, end the queue threads, release /dev/ublkcN, then DEL_DEV. */
    public void delete(ControlClient control) throws IOException {
        int id = info.devId();
        control.stopDevice(id);
        stopQueues();
        control.deleteDevice(id);
        LOG.info("ublk device {} deleted", id);
    }

    /** Best-effort undo of a failed {@link #create}: nothing of the device may stay in the kernel. */
    private void abandon(ControlClient control) {
        int id = info.devId();
        try {
            control.stopDevice(id);
        } catch (ErrnoException e) {
            LOG.debug("STOP_DEV of the failed device {}: {}", id, e.getMessage());
        }
        stopQueues();
        try {
            control.deleteDevice(id);
        } catch (ErrnoException e) {
            LOG.error("could not delete the half-made ublk device {}: {}", id, e.getMessage());
        }
    }

    private void stopQueues() {
        for (QueueRunner runner : queues) {
            runner.requestStop();
        }
        for (QueueRunner runner : queues) {
            try {
                runner.finished().get(QUEUE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                LOG.error("queue {} of device {} did not stop", runner.queueId(), info.devId(), e);
            }
        }
        queues.clear();
        if (charFd >= 0) {
            try {
                Linux.close(charFd);
            } catch (ErrnoException e) {
                LOG.warn("closing /dev/ublkc{}: {}", info.devId(), e.getMessage());
            }
            charFd = -1;
        }
    }

    public int id() {
        return info.devId();
    }

    public DevInfo info() {
        return info;
    }

    public DeviceSpec spec() {
        return spec;
    }

    public Target target() {
        return target;
    }

    /** The Linux thread ids of the queue threads, by queue. */
    public int[] queueThreadIds() {
        return queues.stream().mapToInt(QueueRunner::threadId).toArray();
    }

    /** How a device with these accepted flags moves data, in words for the log. */
    static String transferName(long flags) {
        if (Feature.AUTO_BUF_REG.in(flags)) {
            return Feature.USER_COPY.in(flags) ? "zero copy (AUTO_BUF_REG, USER_COPY fallback)" : "zero copy (AUTO_BUF_REG)";
        }
        return Feature.USER_COPY.in(flags) ? "USER_COPY" : "copy mode";
    }

    public static Path charDevice(int id) {
        return Path.of("/dev/ublkc" + id);
    }

    public static Path blockDevice(int id) {
        return Path.of("/dev/ublkb" + id);
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

    private static Path waitForNode(Path node) throws IOException {
        long deadline = System.currentTimeMillis() + NODE_WAIT_MILLIS;
        while (!Files.exists(node)) {
            if (System.currentTimeMillis() > deadline) {
                throw new IOException(node + " did not appear within " + NODE_WAIT_MILLIS / 1000
                        + " s (is devtmpfs or udev running?)");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + node, e);
            }
        }
        return node;
    }

    private static void await(CompletableFuture<Void> step, String what) throws IOException {
        try {
            step.get(QUEUE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during " + what, e);
        } catch (ExecutionException e) {
            throw new IOException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(what + " took longer than " + QUEUE_WAIT_SECONDS + " s", e);
        }
    }
}
