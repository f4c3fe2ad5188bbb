package io.jublk.core.queue;

import io.jublk.core.uapi.IoCmd;
import io.jublk.target.Target;
import io.jublk.uring.Ring;
import io.jublk.uring.RingConfig;
import io.jublk.uring.Waker;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue thread's own work, from set-up to tear-down: it opens the queue's ring, puts every tag's first
 * fetch in the kernel, runs the loop turns (submit and wait, drain into the {@link RequestPath}, run posted
 * controls) until the queue may end, and closes the ring, keeping what the kernel may still write. Queue
 * thread only, except {@link #requestStop}, {@link #requestRelease} and {@link #wake}, which any thread calls.
 * {@link QueueRunner} is the queue's face to other threads.
 */
final class QueueLoop {
    // Logged under QueueRunner's name, as before the split, so operators' log filters keep working.
    private static final Logger LOG = LoggerFactory.getLogger(QueueRunner.class);

    private final QueueSpec spec;
    private final int charFd;
    private final UblkChannel channel;
    private final TagTable tags;
    private final TagCommands tagCommands;
    private final RequestPath path;
    private final HandOver handOver;
    private final QueueCounters counters;
    private final ControlMailbox controls;
    private final TagBuffers buffers;

    private volatile boolean stopRequested;
    private volatile boolean releaseRequested;
    private Ring ring;
    private Waker waker;
    private Target initialTarget;

    QueueLoop(QueueSpec spec, int charFd, UblkChannel channel, TagTable tags, TagCommands tagCommands,
              RequestPath path, QueueCounters counters, ControlMailbox controls, TagBuffers buffers,
              Target initialTarget) {
        this.spec = spec;
        this.charFd = charFd;
        this.channel = channel;
        this.tags = tags;
        this.tagCommands = tagCommands;
        this.path = path;
        this.handOver = path.handOver();
        this.counters = counters;
        this.controls = controls;
        this.buffers = buffers;
        this.initialTarget = initialTarget;
    }

    /** Opens the ring, attaches the first target, if any, and puts every tag's FETCH_REQ in the kernel. */
    void setUp() throws Exception {
        try {
            // A thread that serves a disk must not be throttled into reclaim that waits on that disk.
            Linux.setIoFlusher(true);
        } catch (ErrnoException e) {
            LOG.warn("PR_SET_IO_FLUSHER refused ({}); memory pressure may stall queue {} of device {}",
                    e.getMessage(), spec.queueId(), spec.deviceId());
        }
        // Room for every tag's command plus a target operation or two per tag (backing-file I/O).
        // A released queue's fetches are cancelled only when the ring goes (not by ASYNC_CANCEL): the close
        // does not wait for them (UblkChannel.commandsOnlyExitEnds), only for what a cancel ends.
        ring = Ring.open(RingConfig.builder(2 * spec.depth()).cqEntries(4 * spec.depth()).wakeable(true)
                .closeTimeout(Duration.ofSeconds(2)).build());
        waker = ring.waker();
        int[] files = new int[1 + QueueRunner.TARGET_FILE_SLOTS];
        Arrays.fill(files, -1);
        files[KernelChannel.UBLKC_FILE] = charFd;
        ring.registerFiles(files);
        if (spec.zeroCopy()) {
            // AUTO_BUF_REG: each fetch names slot `tag`; the kernel fills it with the request's pages
            ring.registerBuffersSparse(spec.depth());
        }
        channel.open();
        path.started(ring, channel.descriptors());
        if (initialTarget != null) {
            Target target = initialTarget;
            CompletableFuture<Void> attached = controls.post(done -> handOver.attach(target, done));
            wake();
            controls.run(ended(), false);
            initialTarget = null;
            attached.join(); // a target that cannot open its queue fails the set-up
        }
        for (int tag = 0; tag < spec.depth(); tag++) {
            path.queueCommand(IoCmd.FETCH_REQ, tag, 0);
        }
        tagCommands.flush(ring);
        ring.submit();
    }

    /** Loop turns until every tag's command was aborted, or a stop or release may end the queue. */
    void serve() throws ErrnoException {
        while (!tagCommands.allAborted()) {
            tagCommands.flush(ring);
            counters.turnEnded(); // what this turn committed goes to the kernel now
            if (tags.withTarget == 0 && (releaseRequested || (stopRequested && tags.held == 0))) {
                ring.submit(); // the last commits: dropping them would fail served requests on recovery
                return;
            }
            ring.submitAndWait(1);
            counters.turnStarted();
            ring.drain(path);
            channel.deliver(path);
            path.takeCompletions();
            if (!controls.isEmpty()) {
                // what a target queued goes out before a control can swap the files it names
                tagCommands.flush(ring);
                ring.submit();
                controls.run(ended(), false);
            }
        }
    }

    /** Closes the ring and the channel; frees the tag buffers only if nothing may still write them. */
    void tearDown() {
        boolean clean = true;
        if (ring != null) {
            // cancels what is still in the kernel and waits for it before anything it might write goes, except
            // the ublk commands no cancel reaches: the ring's exit aborts those, and the tag buffers they name
            // stay mapped until this thread has ended (QueueRunner.freeBuffersAfterExit), the only context the
            // driver copies data in
            ring.close(channel.commandsOnlyExitEnds());
            clean = ring.closedCleanly();
        }
        buffers.releasable(handOver.slots().end(clean, tags.copying()));
        if (!clean) {
            channel.keepMemory();
        }
        channel.close();
        if (ring == null || clean) {
            buffers.free();
        }
    }

    /** Any thread: the loop ends once no request is with the target or held. */
    void requestStop() {
        stopRequested = true;
        wake();
    }

    /** Any thread: the loop ends once the target holds no request, leaving held ones to the kernel. */
    void requestRelease() {
        releaseRequested = true;
        wake();
    }

    /** Any thread: wakes the loop from its wait (no-op before the ring is open). */
    void wake() {
        Waker w = waker;
        if (w != null) {
            w.wake();
        }
    }

    /** The ring, or null before the set-up opened it. */
    Ring ringOrNull() {
        return ring;
    }

    /** Why posted controls fail once the thread has ended. */
    String ended() {
        return "queue " + spec.queueId() + " of device " + spec.deviceId() + " has ended";
    }
}
