package io.jublk.uring;

import static io.jublk.uring.internal.IoUringLayout.PARAMS_FEATURES;
import static io.jublk.uring.internal.IoUringLayout.PARAMS_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.jublk.uring.internal.Liburing;
import io.jublk.uring.internal.LiburingLayout;
import io.jublk.uring.internal.RingLayoutCheck;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one open ring is made of: liburing's {@code struct io_uring} (set up by {@link RingSetup}, its layout
 * checked against the one this code reads), the memory the kernel may write, the views of the kernel's
 * mappings, and the parts that do the work: {@link SubmissionQueue}, {@link CompletionQueue},
 * {@link RingEnter}, {@link RegisteredResources}, {@link CompletionReaper}, {@link CloseSequence}.
 * {@link #open} builds them and undoes what it did if a step fails; {@link Ring} checks the caller's thread
 * and hands the work to them.
 */
final class RingParts {
    // Logged under Ring's name, as before the split, so operators' log filters keep working.
    private static final Logger LOG = LoggerFactory.getLogger(Ring.class);

    final RingConfig config;
    final Arena memory;
    /**
     * Views of the kernel's mappings, in their own arena: closed before liburing unmaps them, so a stray
     * access after close throws instead of touching unmapped memory.
     */
    final Arena views;
    final MemorySegment struct;
    final int ringFd;
    /** The IORING_SETUP_* flags in effect, after any fallback. */
    final int setupFlags;
    final int features;
    /** The kernel's opcodes, or null when it cannot be probed. */
    final boolean[] supportedOps;
    final RingOwnership ownership;
    final SubmissionQueue sq;
    final CompletionQueue cq;
    final RingEnter entry;
    final RegisteredResources resources;
    final CompletionReaper reaper;
    final CloseSequence closing;
    /** Null unless the ring is {@link RingConfig#wakeable()}. */
    final Waker waker;

    private RingParts(RingConfig config, Arena memory, MemorySegment struct, MemorySegment params, int setupFlags)
            throws ErrnoException {
        List<String> problems = RingLayoutCheck.problems(struct, params);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("liburing's struct io_uring does not have the 2.3 layout this code"
                    + " reads (" + Liburing.loadedFrom() + "): " + problems);
        }
        this.config = config;
        this.ownership = new RingOwnership(config.handOff());
        this.memory = memory;
        this.struct = struct;
        this.ringFd = struct.get(JAVA_INT, LiburingLayout.RING_FD);
        this.setupFlags = setupFlags;
        this.features = params.get(JAVA_INT, PARAMS_FEATURES);
        this.views = Arena.ofShared();
        this.sq = new SubmissionQueue(struct, params, (setupFlags & IoUring.SETUP_SQE128) != 0, views, memory);
        this.cq = new CompletionQueue(struct, params, (setupFlags & IoUring.SETUP_CQE32) != 0, views);
        this.entry = new RingEnter(sq, ringFd, features, memory);
        this.resources = new RegisteredResources(struct, ringFd, memory, ownership);
        this.supportedOps = Liburing.probeOps(struct);
        MemorySegment wakeBuffer = null;
        if (config.wakeable()) {
            wakeBuffer = memory.allocate(8, 8);
            this.waker = new Waker(Linux.eventfd(0, Linux.EFD_CLOEXEC));
        } else {
            this.waker = null;
        }
        this.reaper = new CompletionReaper(sq, cq, entry, ringFd, waker, wakeBuffer);
        this.closing = new CloseSequence(ownership, sq, entry, reaper, waker, config.closeTimeout(), ringFd);
    }

    /**
     * Sets up a ring as {@code config} asks and builds its parts; on failure nothing is left set up.
     *
     * @throws UringUnavailableException when io_uring cannot be used here (the message says why)
     */
    static RingParts open(RingConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        String missing = Liburing.unavailableReason();
        if (missing != null) {
            throw new UringUnavailableException(missing);
        }
        Arena memory = Arena.ofShared();
        RingParts parts;
        try {
            MemorySegment struct = memory.allocate(LiburingLayout.SIZE, 8);
            MemorySegment params = memory.allocate(PARAMS_SIZE, 8);
            int flags = RingSetup.init(config, struct, params);
            try {
                parts = new RingParts(config, memory, struct, params, flags);
            } catch (IOException | RuntimeException e) {
                Liburing.queueExit(struct);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            memory.close();
            throw e;
        }
        LOG.debug("io_uring ring fd {}: {} SQ / {} CQ entries, setup {}, features 0x{}", parts.ringFd,
                parts.sq.entries(), parts.cq.entries(), UringSupport.setupFlagNames(parts.setupFlags),
                Integer.toHexString(parts.features));
        return parts;
    }

    /**
     * Makes the calling thread the owner: registers the ring fd if the config asks (entering by plain fd when
     * the kernel refuses) and arms a wakeable ring's wake-up read.
     */
    void becomeOwner() throws ErrnoException {
        ownership.take();
        if (config.registerRingFd()) {
            int rc = Liburing.registerRingFd(struct);
            if (rc == 1) {
                entry.useRegisteredRingFd(struct.get(JAVA_INT, LiburingLayout.ENTER_RING_FD));
            } else {
                LOG.debug("ring fd not registered ({}); entering by plain fd", Errno.nameOf(-rc));
            }
        }
        if (waker != null) {
            reaper.armWake();
            entry.enter(0, -1);
        }
    }
}
