package io.jublk.core.device;

import static io.jublk.core.device.DeviceQueues.await;
import static io.jublk.core.device.DeviceQueues.awaitQuietly;

import io.jublk.core.control.ControlClient;
import io.jublk.core.queue.QueueRunner;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import io.jublk.target.Target;
import io.jublk.uring.sys.ErrnoException;
import java.io.IOException;
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
 *
 * <p>Here: the control-command sequences (add, start, release, delete) and the target's hand-over. The flags and
 * params asked for are {@link DeviceFlags}', the queue threads and /dev/ublkcN {@link DeviceQueues}', the checks
 * and START_USER_RECOVERY of a take-over {@link UserRecovery}'s.
 */
public final class UblkDevice {
    private static final Logger LOG = LoggerFactory.getLogger(UblkDevice.class);
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
    private long deviceSectors;
    private final DeviceQueues queues = new DeviceQueues();

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
        long flags = DeviceFlags.forAdd(spec, control.features(), target);
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
            if (now != null && now != target && device.queues.letGo()) {
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
        DevInfo found = UserRecovery.takeOver(control, spec, target);
        UblkDevice device = new UblkDevice(spec, target, failureListener);
        device.info = found;
        try {
            device.openQueues();
            control.endUserRecovery(id, (int) ProcessHandle.current().pid());
            device.info = control.deviceInfo(id);
        } catch (IOException | RuntimeException e) {
            device.queues.release();
            throw new IOException("recovery of device " + id + " failed, it stays recoverable: " + e.getMessage(), e);
        }
        LOG.info("ublk device {} recovered: {} with {} queue(s)", id, device.info.state(), device.info.queues());
        return device;
    }

    /**
     * A device whose queue threads run already, on another driver than the kernel's (a simulated one, in tests):
     * no kernel device is behind it, so only the hand-over between its targets may be asked of it.
     */
    static UblkDevice running(DeviceSpec spec, DevInfo info, Target target, List<QueueRunner> runners) {
        UblkDevice device = new UblkDevice(spec, target, FailureListener.LOG_ONLY);
        device.info = info;
        device.deviceSectors = target.geometry().sizeBytes() >> 9;
        device.queues.running(info.devId(), runners);
        return device;
    }

    private void start(ControlClient control, BeforeStart beforeStart) throws IOException {
        int id = info.devId();
        control.setParams(id, DeviceFlags.params(target.geometry(), info.maxIoBufBytes()));
        beforeStart.accept(this, info);
        openQueues();
        control.startDevice(id, (int) ProcessHandle.current().pid());
        DeviceQueues.waitForNode(blockDevice(id));
        info = control.deviceInfo(id);
        LOG.info("ublk device {} is {} with {} queue(s) of depth {}, {}", id, info.state(), info.queues(),
                info.queueDepth(), DeviceFlags.transferName(info.flags()));
    }

    /** Opens /dev/ublkcN and starts a queue thread per queue; returns once every tag is fetched. */
    private void openQueues() throws IOException {
        deviceSectors = target.geometry().sizeBytes() >> 9;
        queues.open(info, deviceSectors, target, (queue, cause) -> failureListener.targetFailed(this, cause),
                (queueId, cause) -> failureListener.queueFailed(this, queueId, cause));
    }

    /** STOP_DEV, end the queue threads, release /dev/ublkcN, then DEL_DEV. Held requests fail with EIO. */
    public void delete(ControlClient control) throws IOException {
        int id = info.devId();
        for (QueueRunner runner : queues.runners()) {
            // fenced requests too: STOP_DEV waits for every request, and a stuck target's may never be let go
            await(runner.failAllHeld(), "failing held requests");
        }
        control.stopDevice(id);
        queues.stop();
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
        if (DeviceFlags.quiescesOnRelease(info.flags()) && target != null && quiesce(id, drainLimit)) {
            queues.release(); // the kernel aborted every fetch: the queues end by themselves
            Target old = target;
            target = null;
            if (old != null && queues.letGo()) {
                closeQuietly(old);
            } else if (old != null) {
                LOG.error("the target of ublk device {} is kept open: a queue thread did not end", id);
            }
            LOG.info("ublk device {} quiesced (QUIESCE_DEV) and released for recovery", id);
            return;
        }
        detachTarget(drainLimit);
        queues.release();
        LOG.info("ublk device {} released for recovery", id);
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
        return detachTarget(drainLimit, null);
    }

    /** {@link #detachTarget(Duration)}, marking when the queues let go and the old target closed in {@code swap}. */
    Target detachTarget(Duration drainLimit, SwapTimeline swap) {
        List<QueueRunner> now = queues.runners();
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
        if (swap != null && all.isDone()) {
            swap.mark(SwapTimeline.Step.DRAINED);
        }
        Target old = target;
        target = null;
        closeOnceLetGo(old, all, now, swap);
        return old;
    }

    /**
     * Closes {@code old} once every queue has let go of it: now, or, for a target whose operations are still in
     * flight (stuck), later and off this thread, when they have completed. Never while a queue may use it.
     */
    private void closeOnceLetGo(Target old, CompletableFuture<Void> detached, List<QueueRunner> from,
                                SwapTimeline swap) {
        if (old == null) {
            return;
        }
        if (detached.isDone()) {
            if (closeIfLetGo(old, detached, from) && swap != null) {
                swap.mark(SwapTimeline.Step.CLOSED);
            }
            return;
        }
        LOG.error("the detached target of ublk device {} still has {} operation(s) in flight (target stuck); it is"
                + " closed once they complete", info.devId(), DeviceQueues.stuckOperations(from));
        detached.whenCompleteAsync((v, e) -> closeIfLetGo(old, detached, from), CLOSER);
    }

    /** Closes {@code old} unless a queue may still use it; whether it did. */
    private boolean closeIfLetGo(Target old, CompletableFuture<Void> detached, List<QueueRunner> from) {
        if (detached.isCompletedExceptionally() && !from.stream().allMatch(QueueRunner::letGo)) {
            LOG.error("the detached target of ublk device {} is kept open: a queue may still use it", info.devId());
            return false;
        }
        closeQuietly(old);
        return true;
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
        queues.enableCounters(on);
    }

    /** The request counters of the device's queues, by queue (none while it has no queues). */
    public List<IoCounters> counters() {
        return queues.counters();
    }

    /** Ring operations of detached targets still in flight in the device's queues (a stuck target), for listings. */
    public long stuckOperations() {
        return queues.stuckOperations();
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
        if (!DeviceFlags.reachesData(info.flags(), replacement)) {
            throw new IOException("device " + info.devId() + " runs zero copy without USER_COPY, which the new "
                    + spec.targetType() + " target does not take");
        }
        List<CompletableFuture<Void>> attached = new ArrayList<>();
        for (QueueRunner runner : queues.runners()) {
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
        LOG.debug("ublk device {} is served by a new {} target", info.devId(), spec.targetType());
    }

    /** Fails every held request (and new ones while no target is attached) with EIO: the hold policy's end. */
    public void failHeldRequests() {
        for (QueueRunner runner : queues.runners()) {
            awaitQuietly(runner.failHeld(), DeviceQueues.QUEUE_WAIT_SECONDS);
        }
    }

    /**
     * When the longest-waiting request now with the target was handed to it (System.nanoTime()), or 0 when
     * the target has none: for the watchdog that finds hung targets.
     */
    public long oldestTargetRequestNanos() {
        return queues.oldestTargetRequestNanos();
    }

    /** Best-effort undo of a failed {@link #create}: nothing of the device may stay in the kernel. */
    private void abandon(ControlClient control) {
        int id = info.devId();
        try {
            control.stopDevice(id);
        } catch (ErrnoException e) {
            LOG.debug("STOP_DEV of the failed device {}: {}", id, e.getMessage());
        }
        queues.stop();
        try {
            control.deleteDevice(id);
        } catch (ErrnoException e) {
            LOG.error("could not delete the half-made ublk device {}: {}", id, e.getMessage());
        }
    }

    public int id() {
        return info.devId();
    }

    /** False when a queue thread did not end, or left I/O in flight, when the queues were last ended. */
    public boolean queuesLetGo() {
        return queues.letGo();
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
        return queues.threadIds();
    }

    public static Path charDevice(int id) {
        return Path.of("/dev/ublkc" + id);
    }

    public static Path blockDevice(int id) {
        return Path.of("/dev/ublkb" + id);
    }
}
