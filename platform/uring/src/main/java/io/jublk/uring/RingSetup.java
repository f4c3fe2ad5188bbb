package io.jublk.uring;

import static io.jublk.uring.internal.IoUringLayout.PARAMS_CQ_ENTRIES;
import static io.jublk.uring.internal.IoUringLayout.PARAMS_FLAGS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.jublk.uring.internal.Liburing;
import io.jublk.uring.sys.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * io_uring_queue_init_params with fallback: tries the fastest flag set the config allows and drops
 * optional flags on EINVAL (an older kernel), then explains any other failure.
 */
final class RingSetup {
    private static final int ENOSYS = 38;
    private static final int EINVAL = 22;
    private static final int EPERM = 1;
    private static final int ENOMEM = 12;

    private RingSetup() {
    }

    /** The flag sets to try, most wanted first. Each includes the required flags. */
    static List<Integer> candidates(RingConfig c) {
        int required = (c.sqe128() ? IoUring.SETUP_SQE128 : 0) | (c.cqe32() ? IoUring.SETUP_CQE32 : 0)
                | (c.cqEntries() > 0 ? IoUring.SETUP_CQSIZE : 0) | (c.handOff() ? IoUring.SETUP_R_DISABLED : 0);
        int all = c.submitAll() ? IoUring.SETUP_SUBMIT_ALL : 0;
        int single = c.singleIssuer() ? IoUring.SETUP_SINGLE_ISSUER : 0;
        int taskrunFlag = IoUring.SETUP_TASKRUN_FLAG;
        Set<Integer> sets = new LinkedHashSet<>();
        if (single != 0 && c.deferTaskrun()) {
            sets.add(required | all | single | IoUring.SETUP_DEFER_TASKRUN | taskrunFlag);
        }
        if (c.coopTaskrun()) {
            sets.add(required | all | single | IoUring.SETUP_COOP_TASKRUN | taskrunFlag);
        }
        sets.add(required | all | single);
        if (c.coopTaskrun()) {
            sets.add(required | all | IoUring.SETUP_COOP_TASKRUN);
        }
        sets.add(required | all);
        sets.add(required);
        return new ArrayList<>(sets);
    }

    /** Sets up {@code ring}; returns the setup flags that worked. */
    static int init(RingConfig config, MemorySegment ring, MemorySegment params) throws UringUnavailableException {
        int lastError = 0;
        for (int flags : candidates(config)) {
            params.fill((byte) 0);
            ring.fill((byte) 0);
            params.set(JAVA_INT, PARAMS_FLAGS, flags);
            params.set(JAVA_INT, PARAMS_CQ_ENTRIES, config.cqEntries());
            int rc = Liburing.queueInitParams(config.entries(), ring, params);
            if (rc == 0) {
                return flags;
            }
            lastError = -rc;
            if (lastError != EINVAL) {
                break;
            }
        }
        throw new UringUnavailableException(explain(lastError, config), lastError, null);
    }

    /** Why io_uring_setup failed with {@code errno}, in words an operator can act on. */
    static String explain(int errno, RingConfig config) {
        String prefix = "io_uring setup failed with " + Errno.nameOf(errno) + ": ";
        return switch (errno) {
            case ENOSYS -> prefix + "this kernel has no io_uring (CONFIG_IO_URING off, kernel older than 5.1,"
                    + " or a seccomp filter answering ENOSYS)";
            case EPERM -> prefix + disabledReason();
            case ENOMEM -> prefix + "out of memory or locked memory (kernels before 5.12 charge rings to"
                    + " RLIMIT_MEMLOCK; raise 'ulimit -l' or use fewer entries)";
            case EINVAL -> prefix + "the kernel rejected the required setup (" + config
                    + "); SQE128/CQE32 need Linux 5.19+, SINGLE_ISSUER 6.0+, DEFER_TASKRUN 6.1+";
            default -> prefix + "unexpected error";
        };
    }

    private static String disabledReason() {
        String disabled = readSysctl("/proc/sys/kernel/io_uring_disabled");
        if ("2".equals(disabled)) {
            return "io_uring is disabled system-wide by /proc/sys/kernel/io_uring_disabled=2";
        }
        if ("1".equals(disabled)) {
            String group = readSysctl("/proc/sys/kernel/io_uring_group");
            return "io_uring is restricted by /proc/sys/kernel/io_uring_disabled=1 to CAP_SYS_ADMIN and group "
                    + (group != null ? group : "io_uring_group") + "; run with that group or set the sysctl to 0";
        }
        return "the process may not use io_uring (a seccomp profile or container policy forbids it;"
                + " /proc/sys/kernel/io_uring_disabled=" + (disabled != null ? disabled : "absent") + ")";
    }

    private static String readSysctl(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
