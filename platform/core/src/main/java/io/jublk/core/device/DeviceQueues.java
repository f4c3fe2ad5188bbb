package io.jublk.core.device;

import io.jublk.core.queue.QueueRunner;
import io.jublk.core.queue.QueueSpec;
import io.jublk.core.uapi.DevInfo;
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
 * A served device's queues: its /dev/ublkcN handle and a queue thread ({@link QueueRunner}) per hardware queue,
 * opened together and ended together, and what the device reads across them (counters, stuck operations, the
 * oldest request with the target). The fd is closed only once every queue thread has ended (see the core's
 * README, "Lifetimes").
 */
final class DeviceQueues {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceQueues.class);
    static final long QUEUE_WAIT_SECONDS = 30;
    private static final long NODE_WAIT_MILLIS = 10_000;

    /** Told when a queue thread ended on its own after its set-up (not when asked to). */
    @FunctionalInterface
    interface QueueEnded {
        void queueFailed(int queueId, Throwable cause);
    }

    private int devId = -1;
    private int charFd = -1;
    /** Replaced, never changed in place: the watchdog and listings read it from other threads. */
    private volatile List<QueueRunner> runners = List.of();
    /** False once a queue thread would not end or left I/O in flight: its target and fd are then kept. */
    private boolean letGo = true;

    /** Opens /dev/ublkcN and starts a queue thread per queue of {@code info}; returns once every tag is fetched. */
    void open(DevInfo info, long deviceSectors, Target target, QueueRunner.TargetFailureListener targetFailed,
              QueueEnded queueEnded) throws IOException {
        devId = info.devId();
        charFd = Linux.open(waitForNode(UblkDevice.charDevice(devId)).toString(), Linux.O_RDWR | Linux.O_CLOEXEC);
        List<QueueRunner> started = new ArrayList<>();
        try {
            for (int q = 0; q < info.queues(); q++) {
                QueueRunner runner = new QueueRunner(new QueueSpec(devId, q, info.queueDepth(), info.maxIoBufBytes(),
                        deviceSectors, info.flags()), charFd, target, targetFailed);
                started.add(runner);
                runner.finished().thenRun(() -> {
                    if (runner.failure() != null && runner.fetched().isDone() && !runner.fetched().isCompletedExceptionally()) {
                        queueEnded.queueFailed(runner.queueId(), runner.failure());
                    }
                });
                runner.start();
            }
        } finally {
            runners = List.copyOf(started);
        }
        for (QueueRunner runner : started) {
            await(runner.fetched(), "queue set-up");
        }
    }

    /** Queue threads started elsewhere, on another driver than the kernel's (see {@link UblkDevice#running}). */
    void running(int deviceId, List<QueueRunner> started) {
        devId = deviceId;
        runners = List.copyOf(started);
    }

    /** The queue threads now (empty before {@link #open} and after they ended). */
    List<QueueRunner> runners() {
        return runners;
    }

    /** Ends the queue threads once the target holds nothing and no request is held; the kernel's aborts end them sooner. */
    void stop() {
        runners.forEach(QueueRunner::requestStop);
        end();
    }

    /** Ends the queue threads, leaving held requests and the fetches to the kernel (and the next server). */
    void release() {
        runners.forEach(QueueRunner::requestRelease);
        end();
    }

    /**
     * Waits for the queue threads to end, then lets go of /dev/ublkcN; a thread that does not end keeps the fd
     * open (and its number taken) for good, so that its late I/O can never reach another device's file.
     */
    private void end() {
        boolean ended = true;
        for (QueueRunner runner : runners) {
            try {
                runner.finished().get(QUEUE_WAIT_SECONDS, TimeUnit.SECONDS);
                runner.freeBuffersAfterExit(QUEUE_WAIT_SECONDS * 1000);
                ended &= runner.letGo();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ended = false;
            } catch (ExecutionException | TimeoutException e) {
                LOG.error("queue {} of device {} did not stop", runner.queueId(), devId, e);
                ended = false;
            }
        }
        runners = List.of();
        letGo = ended;
        if (charFd >= 0) {
            if (ended) {
                try {
                    Linux.close(charFd);
                } catch (ErrnoException e) {
                    LOG.warn("closing /dev/ublkc{}: {}", devId, e.getMessage());
                }
            } else {
                LOG.error("keeping /dev/ublkc{} (fd {}) open: a queue thread of the device may still use it",
                        devId, charFd);
            }
            charFd = -1;
        }
    }

    /** False when a queue thread did not end, or left I/O in flight, when the queues were last ended. */
    boolean letGo() {
        return letGo;
    }

    void enableCounters(boolean on) {
        runners.forEach(q -> q.enableCounters(on));
    }

    List<IoCounters> counters() {
        return runners.stream().map(q -> new IoCounters(q.counters())).toList();
    }

    long stuckOperations() {
        return stuckOperations(runners);
    }

    static long stuckOperations(List<QueueRunner> of) {
        return of.stream().mapToLong(QueueRunner::stuckOperations).sum();
    }

    /** When the longest-waiting request now with the target was handed to it (System.nanoTime()), or 0. */
    long oldestTargetRequestNanos() {
        long oldest = 0;
        for (QueueRunner runner : runners) {
            long at = runner.oldestTargetRequestNanos();
            if (at != 0 && (oldest == 0 || at - oldest < 0)) {
                oldest = at;
            }
        }
        return oldest;
    }

    int[] threadIds() {
        return runners.stream().mapToInt(QueueRunner::threadId).toArray();
    }

    // ---- waiting, with limits ----------------------------------------------------------------------------

    static Path waitForNode(Path node) throws IOException {
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

    static void awaitQuietly(CompletableFuture<?> step, long seconds) {
        try {
            step.get(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("queue step did not finish: {}", e.toString());
        }
    }

    static void await(CompletableFuture<Void> step, String what) throws IOException {
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
