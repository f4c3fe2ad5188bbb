package io.jublk.uring;

import io.jublk.uring.internal.Liburing;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What io_uring offers on this host, for diagnostics and for failing early with a clear reason.
 * {@link #detect()} opens and closes two tiny rings on the calling thread.
 *
 * @param available  whether a ring could be set up at all
 * @param problem    why not, when unavailable (liburing missing, sysctl, seccomp, old kernel...)
 * @param liburing   the library that was loaded
 * @param setupFlags the IORING_SETUP_* flags a default {@link RingConfig} ended up with
 * @param features   the IORING_FEAT_* bits
 * @param bigEntries whether SQE128 + CQE32 rings work (needed for ublk's control ring)
 * @param uringCmd   whether IORING_OP_URING_CMD is supported (needed for ublk)
 */
public record UringSupport(boolean available, String problem, String liburing, int setupFlags, int features,
        boolean bigEntries, boolean uringCmd) {

    public static UringSupport detect() {
        String missing = Liburing.unavailableReason();
        if (missing != null) {
            return new UringSupport(false, missing, null, 0, 0, false, false);
        }
        try (Ring ring = Ring.open(RingConfig.builder(2).build())) {
            boolean big;
            try (Ring ignored = Ring.open(RingConfig.builder(2).sqe128(true).cqe32(true).build())) {
                big = true;
            } catch (UringUnavailableException e) {
                big = false;
            }
            return new UringSupport(true, null, Liburing.loadedFrom(), ring.setupFlags(), ring.features(), big,
                    ring.supportsOp(IoUring.OP_URING_CMD));
        } catch (IOException e) {
            return new UringSupport(false, e.getMessage(), Liburing.loadedFrom(), 0, 0, false, false);
        }
    }

    /** Names of the IORING_SETUP_* bits in {@code flags}, e.g. [SINGLE_ISSUER, DEFER_TASKRUN]. */
    public static List<String> setupFlagNames(int flags) {
        String[] names = {"IOPOLL", "SQPOLL", "SQ_AFF", "CQSIZE", "CLAMP", "ATTACH_WQ", "R_DISABLED", "SUBMIT_ALL",
            "COOP_TASKRUN", "TASKRUN_FLAG", "SQE128", "CQE32", "SINGLE_ISSUER", "DEFER_TASKRUN"};
        List<String> set = new ArrayList<>();
        for (int bit = 0; bit < 32; bit++) {
            if ((flags & (1 << bit)) != 0) {
                set.add(bit < names.length ? names[bit] : "bit" + bit);
            }
        }
        return set;
    }

    /** One line for logs and shell output. */
    public String describe() {
        if (!available) {
            return "io_uring unavailable: " + problem;
        }
        return "io_uring via " + liburing + ": setup " + setupFlagNames(setupFlags) + ", features 0x"
                + Integer.toHexString(features) + ", SQE128/CQE32 " + (bigEntries ? "yes" : "no") + ", URING_CMD "
                + (uringCmd ? "yes" : "no");
    }
}
