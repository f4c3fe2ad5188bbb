package io.jublk.core.device;

import io.jublk.core.control.ControlClient;
import io.jublk.core.queue.QueueRunner;
import io.jublk.core.queue.QueueSpec;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import io.jublk.uring.sys.Errno;
import io.jublk.target.DiskGeometry;
import io.jublk.target.Target;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One served ublk device: the kernel device, its /dev/ublkcN handle, a queue thread per hardware
 * queue and the target behind them. {@link #create} either returns a LIVE device or leaves nothing
 * behind in the kernel; {@link #recover} takes over a QUIESCED device from a server that went away and
 * either makes it LIVE or leaves it as recoverable as it was.
 *
 * <p>The target may come and go while the device lives ({@link #detachTarget}, {@link #attachTarget}):
 * meanwhile the queues hold the requests, and the kernel waits for them.
 */
public final class UblkDevice {
    private static final Logger LOG = LoggerFactory.getLogger(UblkDevice.class);
    private static final long NODE_WAIT_MILLIS = 10_000;
    private static final long QUEUE_WAIT_SECONDS = 30;
    /** START_USER_RECOVERY says EBUSY until the kernel has quiesced the device: up to the 30 s request timeout. */
    private static final long RECOVERY_BUSY_MILLIS = 45_000;
    /** How long a detached target's queues get to close once their requests were taken back. */
    private static final long FORCED_DETACH_SECONDS = 10;
    /** ublksrv_flags of jublk's devices ("jublk" and a format number): recovery takes over only its own. */
    public static final long SERVER_MARK = 0x6a75626c6b000001L;

    /** Told when the device's target failed (threw or was closed under it); called on a queue thread. */
    @FunctionalInterface
    public interface FailureListener {
        void targetFailed(UblkDevice device, Throwable cause);

        /** A queue thread ended without being asked to: that queue's requests are no longer served. */
        default void queueFailed(UblkDevice device, int queueId, Throwable cause) {
            LOG.error("queue {} of ublk device {} ended: {}", queueId, device.id(), cause.toString());
        }

        FailureListener LOG_ONLY = (device, cause) -> LOG.error("target of ublk device {} failed", device.id(), cause);
    }

    /** Closes targets whose queues let go of them late (a stuck target): never a caller's thread. */
    private static final Executor CLOSER = Executors.newCachedThreadPool(r -> Thread.ofPlatform()
            .name("jublk-target-close").daemon(true).unstarted(r));

    private final DeviceSpec spec;
    private final FailureListener failureListener;
    private volatile Target target;
    private DevInfo info;
    private int charFd = -1;
    private long deviceSectors;
    /** Replaced, never changed in place: the watchdog and listings read it from other threads. */
    private volatile List<QueueRunner> queues = List.of();
    /** False once a queue thread would not end or left I/O in flight: its target and fd are then kept. */
    private boolean queuesLetGo = true;

    private UblkDevice(DeviceSpec spec, Target target, FailureListener failureListener) {
        this.spec = spec;
        this.target = target;
        this.failureListener = failureListener;
    }

    /**
     * Adds, configures and starts a device served by {@code target}. On failure the kernel device is
     * deleted again and the target stays open (the caller owns it).
     */
    public static UblkDevice create(ControlClient control, DeviceSpec spec, Target target) throws IOException {
        return create(control, spec, target, (device, info) -> { }, FailureListener.LOG_ONLY);
    }

    /**
     * What must happen once the kernel gave the device its id and before it goes live (persisting it,
     * registering it where a failure report from a queue can find it: START_DEV reads the partition table).
     */
    @FunctionalInterface
    public interface BeforeStart {
        void accept(UblkDevice device, DevInfo added) throws IOException;
    }

    /** Like {@link #create(ControlClient, DeviceSpec, Target)}, running {@code beforeStart} before START_DEV. */
    public static UblkDevice create(ControlClient control, DeviceSpec spec, Target target, BeforeStart beforeStart,
                                    FailureListener failureListener) throws IOException {
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
        if (spec.recovery() != RecoveryMode.NONE && Feature.QUIESCE.in(kernel)) {
            flags |= Feature.QUIESCE.mask(); // lets a core restart hand the device over with QUIESCE_DEV
        }
        flags |= transferFlags(spec.transfer(), kernel, target.acceptsRegisteredBuffers());
        flags |= commandFlags(spec.commands(), kernel);
        UblkDevice device = new UblkDevice(spec, target, failureListener);
        device.info = control.addDevice(DevInfo.request(spec.id(), spec.queues(), spec.depth(), spec.maxIoBytes(),
                flags, SERVER_MARK));
        try {
            if (spec.transfer() == DataTransfer.USER_COPY && !Feature.USER_COPY.in(device.info.flags())) {
                throw new IOException("the kernel did not accept USER_COPY for device " + device.info.devId()
                        + " (accepted flags 0x" + Long.toHexString(device.info.flags()) + ")");
            }
            device.start(control, beforeStart);
            return device;
        } catch (IOException | RuntimeException e) {
            device.abandon(control);
            Target now = device.target;
            if (now != null && now != target && device.queuesLetGo) {
                device.closeQuietly(now); // a replacement attached during START_DEV is the device's own
            }
            throw e;
        }
    }

    /**
     * Serves again a device whose previous server went away (a crash, a kill -9, a core restart): waits for
     * the kernel to quiesce it, START_USER_RECOVERY, queues that fetch every tag, END_USER_RECOVERY. On
     * failure the device is left QUIESCED for another try, and the target stays open (the caller owns it).
     *
     * @param spec the device as it was added (queues, depth and flags are taken from the kernel)
     */
    public static UblkDevice recover(ControlClient control, DeviceSpec spec, Target target,
                                     FailureListener failureListener) throws IOException {
        int id = spec.id();
        DevInfo found = control.deviceInfo(id);
        if (found.serverFlags() != SERVER_MARK) {
            throw new IOException("device " + id + " was not made by jublk (server flags 0x"
                    + Long.toHexString(found.serverFlags()) + ")");
        }
        if (!Feature.USER_RECOVERY.in(found.flags())) {
            throw new IOException("device " + id + " was added without user recovery; it cannot be served again"
                    + " (delete it)");
        }
        long sizeBytes = control.params(id).basic().devSectors() << 9;
        if (target.geometry().sizeBytes() != sizeBytes) {
            throw new IOException("device " + id + " has " + sizeBytes + " bytes but its " + spec.targetType()
                    + " target now offers " + target.geometry().sizeBytes());
        }
        if (!reachesData(found.flags(), target)) {
            throw new IOException("device " + id + " runs zero copy without USER_COPY, which its "
                    + spec.targetType() + " target now does not take");
        }
        startRecoveryWhenQuiesced(control, id);
        UblkDevice device = new UblkDevice(spec, target, failureListener);
        device.info = found;
        try {
            device.openQueues();
            control.endUserRecovery(id, (int) ProcessHandle.current().pid());
            device.info = control.deviceInfo(id);
        } catch (IOException | RuntimeException e) {
            device.releaseQueues();
            throw new IOException("recovery of device " + id + " failed, it stays recoverable: " + e.getMessage(), e);
        }
        LOG.info("ublk device {} recovered: {} with {} queue(s)", id, device.info.state(), device.info.queues());
        return device;
    }

    private static void startRecoveryWhenQuiesced(ControlClient control, int id) throws IOException {
        long deadline = System.currentTimeMillis() + RECOVERY_BUSY_MILLIS;
        while (true) {
            try {
                control.startUserRecovery(id);
                return;
            } catch (ErrnoException e) {
                if (e.error() != Errno.EBUSY || System.currentTimeMillis() > deadline) {
                    throw new IOException("START_USER_RECOVERY of device " + id + " (state "
                            + control.deviceInfo(id).state() + "): " + e.getMessage(), e);
                }
            }
            sleep(100);
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

    private void start(ControlClient control, BeforeStart beforeStart) throws IOException {
        int id = info.devId();
        control.setParams(id, params(target.geometry(), info.maxIoBufBytes()));
        beforeStart.accept(this, info);
        openQueues();
        control.startDevice(id, (int) ProcessHandle.current().pid());
        waitForNode(blockDevice(id));
        info = control.deviceInfo(id);
        LOG.info("ublk device {} is {} with {} queue(s) of depth {}, {}", id, info.state(), info.queues(),
                info.queueDepth(), transferName(info.flags()));
    }

    /** Opens /dev/ublkcN and starts a queue thread per queue; returns once every tag is fetched. */
    private void openQueues() throws IOException {
        int id = info.devId();
        charFd = Linux.open(waitForNode(charDevice(id)).toString(), Linux.O_RDWR | Linux.O_CLOEXEC);
        deviceSectors = target.geometry().sizeBytes() >> 9;
        List<QueueRunner> started = new ArrayList<>();
        try {
            for (int q = 0; q < info.queues(); q++) {
                QueueRunner runner = new QueueRunner(new QueueSpec(id, q, info.queueDepth(), info.maxIoBufBytes(),
                        deviceSectors, info.flags()),
                        charFd, target, (queue, cause) -> failureListener.targetFailed(this, cause));
                started.add(runner);
                runner.finished().thenRun(() -> {
                    if (runner.failure() != null && runner.fetched().isDone() && !runner.fetched().isCompletedExceptionally()) {
                        failureListener.queueFailed(this, runner.queueId(), runner.failure());
                    }
                });
                runner.start();
            }
        } finally {
            queues = List.copyOf(started);
        }
        for (QueueRunner runner : started) {
            await(runner.fetched(), "queue set-up");
        }
    }

    /** STOP_DEV, end the queue threads, release /dev/ublkcN, then DEL_DEV. Held requests fail with EIO. */
    public void delete(ControlClient control) throws IOException {
        int id = info.devId();
        for (QueueRunner runner : queues) {
            // fenced requests too: STOP_DEV waits for every request, and a stuck target's may never be let go
            await(runner.failAllHeld(), "failing held requests");
        }
        control.stopDevice(id);
        stopQueues();
        control.deleteDevice(id);
        LOG.info("ublk device {} deleted", id);
    }

    /**
     * Lets the next server take the device over (a core restart): the target answers what it has, new
     * requests wait, and the queues and /dev/ublkcN are let go. With user recovery the kernel quiesces the
     * device and keeps the waiting requests for the next server. The target is closed.
     */
    public void release(Duration drainLimit) {
        int id = info.devId();
        if (quiescesOnRelease(info.flags()) && target != null && quiesce(id, drainLimit)) {
            releaseQueues(); // the kernel aborted every fetch: the queues end by themselves
            Target old = target;
            target = null;
            if (old != null && queuesLetGo) {
                closeQuietly(old);
            } else if (old != null) {
                LOG.error("the target of ublk device {} is kept open: a queue thread did not end", id);
            }
            LOG.info("ublk device {} quiesced (QUIESCE_DEV) and released for recovery", id);
            return;
        }
        detachTarget(drainLimit);
        releaseQueues();
        LOG.info("ublk device {} released for recovery", id);
    }

    /**
     * Whether {@link #release} hands the device over with QUIESCE_DEV. Not with BATCH_IO: there the kernel
     * (7.x, ublk_batch_cancel_queue) sets the queue's force_abort, which nothing clears, so every request after
     * it fails with EIO (ublk_prep_req) and the next server's FETCH_IO_CMDS gets ENODEV (ublk_batch_attach).
     * Closing the queues instead ends the fetch through its io_uring cancel (ublk_batch_cancel_fn), which
     * leaves force_abort alone; the release work then quiesces the device as after a crash.
     */
    static boolean quiescesOnRelease(long flags) {
        return Feature.QUIESCE.in(flags) && !Feature.BATCH_IO.in(flags);
    }

    /** QUIESCE_DEV with the target still serving, so it answers what it holds; false if the kernel refused. */
    private static boolean quiesce(int id, Duration drainLimit) {
        try (ControlClient control = ControlClient.open()) {
            control.quiesceDevice(id, drainLimit.toMillis());
            return true;
        } catch (IOException e) {
            LOG.warn("QUIESCE_DEV of device {} failed ({}); releasing it by closing its queues", id, e.getMessage());
            return false;
        }
    }

    /**
     * Stops giving requests to the target, waits up to {@code drainLimit} for it to answer the ones it has,
     * takes back the rest, closes the target and returns it (null when there was none). The device's
     * requests are held until {@link #attachTarget}.
     */
    public Target detachTarget(Duration drainLimit) {
        List<QueueRunner> now = queues;
        List<CompletableFuture<Void>> detached = new ArrayList<>();
        for (QueueRunner runner : now) {
            detached.add(runner.detachTarget());
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(detached.toArray(CompletableFuture[]::new));
        try {
            all.get(drainLimit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("the target of ublk device {} did not answer its requests within {} s; taking them back",
                    info.devId(), drainLimit.toSeconds());
            now.forEach(QueueRunner::forceDetach);
            awaitQuietly(all, FORCED_DETACH_SECONDS);
        } catch (ExecutionException e) {
            LOG.warn("detaching the target of ublk device {}: {}", info.devId(), e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Target old = target;
        target = null;
        closeOnceLetGo(old, all, now);
        return old;
    }

    /**
     * Closes {@code old} once every queue has let go of it: now, or, for a target whose operations are still in
     * flight (stuck), later and off this thread, when they have completed. Never while a queue may use it.
     */
    private void closeOnceLetGo(Target old, CompletableFuture<Void> detached, List<QueueRunner> from) {
        if (old == null) {
            return;
        }
        if (detached.isDone()) {
            closeIfLetGo(old, detached, from);
            return;
        }
        LOG.error("the detached target of ublk device {} still has {} operation(s) in flight (target stuck); it is"
                + " closed once they complete", info.devId(), stuckOperations(from));
        detached.whenCompleteAsync((v, e) -> closeIfLetGo(old, detached, from), CLOSER);
    }

    private void closeIfLetGo(Target old, CompletableFuture<Void> detached, List<QueueRunner> from) {
        if (detached.isCompletedExceptionally() && !from.stream().allMatch(QueueRunner::letGo)) {
            LOG.error("the detached target of ublk device {} is kept open: a queue may still use it", info.devId());
            return;
        }
        closeQuietly(old);
    }

    private void closeQuietly(Target old) {
        try {
            old.close();
        } catch (RuntimeException e) {
            LOG.warn("closing the detached target of ublk device {}", info.devId(), e);
        }
    }

    /** Counting requests and their latency on or off on every queue (the core's {@code metrics} key). */
    public void enableCounters(boolean on) {
        queues.forEach(q -> q.enableCounters(on));
    }

    /** The request counters of the device's queues, by queue (none while it has no queues). */
    public List<IoCounters> counters() {
        return queues.stream().map(q -> new IoCounters(q.counters())).toList();
    }

    /** Ring operations of detached targets still in flight in the device's queues (a stuck target), for listings. */
    public long stuckOperations() {
        return stuckOperations(queues);
    }

    private static long stuckOperations(List<QueueRunner> of) {
        return of.stream().mapToLong(QueueRunner::stuckOperations).sum();
    }

    /**
     * Gives the device to {@code replacement} (of the same size), with every held request. The device owns the
     * replacement from this call on: when attaching fails, it is detached and closed here, never by the caller.
     */
    public void attachTarget(Target replacement) throws IOException {
        long sectors = replacement.geometry().sizeBytes() >> 9;
        if (sectors != deviceSectors) {
            throw new IOException("device " + info.devId() + " has " + (deviceSectors << 9) + " bytes but the new "
                    + spec.targetType() + " target offers " + (sectors << 9));
        }
        if (target != null) {
            throw new IllegalStateException("device " + info.devId() + " still has a target");
        }
        if (!reachesData(info.flags(), replacement)) {
            throw new IOException("device " + info.devId() + " runs zero copy without USER_COPY, which the new "
                    + spec.targetType() + " target does not take");
        }
        List<CompletableFuture<Void>> attached = new ArrayList<>();
        for (QueueRunner runner : queues) {
            attached.add(runner.attachTarget(replacement));
        }
        IOException failure = null;
        for (CompletableFuture<Void> f : attached) {
            try {
                await(f, "attaching the new target");
            } catch (IOException e) {
                f.cancel(false); // one that has not run yet never will: no attach behind our back
                failure = failure == null ? e : failure;
            }
        }
        target = replacement;
        if (failure != null) {
            // the queues that took it give it up again; it is closed once they have let go of it
            detachTarget(Duration.ofSeconds(FORCED_DETACH_SECONDS));
            throw failure;
        }
        LOG.info("ublk device {} is served by a new {} target", info.devId(), spec.targetType());
    }

    /** Fails every held request (and new ones while no target is attached) with EIO: the hold policy's end. */
    public void failHeldRequests() {
        for (QueueRunner runner : queues) {
            awaitQuietly(runner.failHeld(), QUEUE_WAIT_SECONDS);
        }
    }

    /**
     * When the longest-waiting request now with the target was handed to it (System.nanoTime()), or 0 when
     * the target has none: for the watchdog that finds hung targets.
     */
    public long oldestTargetRequestNanos() {
        long oldest = 0;
        for (QueueRunner runner : queues) {
            long at = runner.oldestTargetRequestNanos();
            if (at != 0 && (oldest == 0 || at - oldest < 0)) {
                oldest = at;
            }
        }
        return oldest;
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
        queues.forEach(QueueRunner::requestStop);
        endQueues();
    }

    private void releaseQueues() {
        queues.forEach(QueueRunner::requestRelease);
        endQueues();
    }

    /**
     * Waits for the queue threads to end, then lets go of /dev/ublkcN; a thread that does not end keeps the fd
     * open (and its number taken) for good, so that its late I/O can never reach another device's file.
     */
    private void endQueues() {
        boolean ended = true;
        for (QueueRunner runner : queues) {
            try {
                runner.finished().get(QUEUE_WAIT_SECONDS, TimeUnit.SECONDS);
                runner.freeBuffersAfterExit(QUEUE_WAIT_SECONDS * 1000);
                ended &= runner.letGo();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ended = false;
            } catch (ExecutionException | TimeoutException e) {
                LOG.error("queue {} of device {} did not stop", runner.queueId(), info.devId(), e);
                ended = false;
            }
        }
        queues = List.of();
        queuesLetGo = ended;
        if (charFd >= 0) {
            if (ended) {
                try {
                    Linux.close(charFd);
                } catch (ErrnoException e) {
                    LOG.warn("closing /dev/ublkc{}: {}", info.devId(), e.getMessage());
                }
            } else {
                LOG.error("keeping /dev/ublkc{} (fd {}) open: a queue thread of the device may still use it",
                        info.devId(), charFd);
            }
            charFd = -1;
        }
    }

    public int id() {
        return info.devId();
    }

    /** False when a queue thread did not end, or left I/O in flight, when the queues were last ended. */
    public boolean queuesLetGo() {
        return queuesLetGo;
    }

    public DevInfo info() {
        return info;
    }

    public DeviceSpec spec() {
        return spec;
    }

    /** The target serving the device now, or null while it has none. */
    public Target target() {
        return target;
    }

    /** The Linux thread ids of the queue threads, by queue. */
    public int[] queueThreadIds() {
        return queues.stream().mapToInt(QueueRunner::threadId).toArray();
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

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void awaitQuietly(CompletableFuture<?> step, long seconds) {
        try {
            step.get(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("queue step did not finish: {}", e.toString());
        }
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
