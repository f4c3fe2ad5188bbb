package io.jublk.core.device;

import io.jublk.core.control.ControlClient;
import io.jublk.core.uapi.Feature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The block layer's request time-out of a served device, {@code /sys/block/ublkbN/queue/io_timeout} (ms; 30 s
 * unless set), which jublk lowers on kernels without QUIESCE_DEV (before 6.16).
 *
 * <p>Why: there (6.12's {@code ublk_drv.c}) only two things abort the requests a server held when it went away
 * (a core restart, a kill -9): io_uring's cancel of that queue's uring_cmds ({@code ublk_uring_cmd_cancel_fn}),
 * and {@code ublk_timeout}. A queue whose every tag was held by the server has no uring_cmd left to cancel, so
 * the device's quiesce waits ({@code ublk_wait_tagset_rqs_idle}) until a held request times out, and the next
 * server finds it LIVE for up to 30 s. {@code ublk_timeout} aborts the queue once its daemon is exiting; while
 * the daemon lives it only re-arms the timer, so a short time-out fails no request. Not on UNPRIVILEGED_DEV
 * devices, whose {@code ublk_timeout} kills the daemon. A request keeps the time-out it started with
 * ({@code blk_add_timer}), so it is set when the device is served, not at release; the kernel keeps it across
 * user recovery (same disk).
 */
final class IoTimeout {
    private static final Logger LOG = LoggerFactory.getLogger(IoTimeout.class);
    /** The configuration's bound: the block layer's own default; 0 leaves the file alone. */
    static final long MAX_SECONDS = 30;
    /** The real one. */
    static final IoTimeout SYSFS = new IoTimeout(Path.of("/sys/block"));

    private final Path sysBlock;

    /** @param sysBlock where the block devices' sysfs folders are ({@code /sys/block}; a temp dir in tests) */
    IoTimeout(Path sysBlock) {
        this.sysBlock = sysBlock;
    }

    /** {@link #apply} for a device just served (added or recovered); never throws. */
    void served(ControlClient control, UblkDevice device, Duration timeout) {
        long features;
        try {
            features = control.features();
        } catch (IOException e) {
            LOG.warn("ublk device {}: GET_FEATURES failed ({}); its request time-out stays the kernel's", device.id(),
                    e.getMessage());
            return;
        }
        apply(device.id(), timeout, features, device.info().flags());
    }

    /** Whether a device with these accepted flags, on a kernel with these features, gets a lowered time-out. */
    static boolean wanted(long kernelFeatures, long deviceFlags) {
        return !Feature.QUIESCE.in(kernelFeatures) && !Feature.UNPRIVILEGED_DEV.in(deviceFlags);
    }

    /** The file of device {@code id}. */
    Path file(int id) {
        return sysBlock.resolve("ublkb" + id).resolve("queue").resolve("io_timeout");
    }

    /**
     * Sets device {@code id}'s request time-out to {@code timeout} where {@link #wanted}; a zero {@code timeout}
     * leaves it alone. Failing to is one WARN line, and the device keeps the kernel's time-out.
     *
     * @return whether the file now holds {@code timeout}
     */
    boolean apply(int id, Duration timeout, long kernelFeatures, long deviceFlags) {
        if (timeout.isZero() || !wanted(kernelFeatures, deviceFlags)) {
            return false;
        }
        if (timeout.isNegative() || timeout.toSeconds() > MAX_SECONDS) {
            throw new IllegalArgumentException("io time-out must be 0.." + MAX_SECONDS + " s, not " + timeout);
        }
        Path file = file(id);
        try {
            // no CREATE: a missing file is a missing device (or sysfs), never a new file
            Files.write(file, Long.toString(timeout.toMillis()).getBytes(StandardCharsets.US_ASCII),
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            LOG.info("ublk device {}: request time-out {} ms ({}; no QUIESCE_DEV here, it bounds a restart's pause)",
                    id, timeout.toMillis(), file);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("ublk device {}: could not set {} to {} ms ({}); a core restart may pause its I/O up to the"
                    + " kernel's time-out", id, file, timeout.toMillis(), e.toString());
            return false;
        }
    }
}
