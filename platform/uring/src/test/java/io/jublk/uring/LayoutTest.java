package io.jublk.uring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jublk.uring.internal.IoUringLayout;
import io.jublk.uring.internal.Liburing;
import io.jublk.uring.internal.LiburingLayout;
import io.jublk.uring.internal.RingLayoutCheck;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.Assume;
import org.junit.Test;

/**
 * The offsets we read liburing's struct io_uring and the kernel ABI at must match the installed
 * headers. Two checks: at run time, every pointer liburing stored must equal the mapping base plus the
 * kernel's offset (always runs); and offsetof() from a compiled C program (when cc and liburing.h exist).
 */
public class LayoutTest {

    @Test
    public void liburingStructMatchesTheKernelsOffsetsAtRunTime() throws Exception {
        for (RingConfig config : List.of(RingConfig.builder(8).build(),
                RingConfig.builder(4).cqEntries(128).sqe128(true).cqe32(true).build(),
                RingConfig.builder(256).deferTaskrun(false).build())) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment struct = arena.allocate(LiburingLayout.SIZE, 8);
                MemorySegment params = arena.allocate(IoUringLayout.PARAMS_SIZE, 8);
                RingSetup.init(config, struct, params);
                try {
                    assertEquals(List.of(), RingLayoutCheck.problems(struct, params));
                    // and the check does catch a struct read at the wrong offsets
                    MemorySegment shifted = arena.allocate(LiburingLayout.SIZE + 8, 8);
                    MemorySegment.copy(struct, 0, shifted, 8, LiburingLayout.SIZE);
                    assertFalse(RingLayoutCheck.problems(shifted, params).isEmpty());
                } finally {
                    Liburing.queueExit(struct);
                }
            } catch (Throwable t) {
                throw new AssertionError(config.toString(), t);
            }
        }
    }

    @Test
    public void offsetsMatchOffsetofFromTheInstalledHeaders() throws Exception {
        Path header = Path.of("/usr/include/liburing.h");
        Assume.assumeTrue("liburing.h not installed; the run-time check still covers the struct",
                Files.exists(header));
        Map<String, Long> expected = javaSide();
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <liburing.h>\n"
                + "int main(void) {\n");
        for (String expr : expected.keySet()) {
            c.append("  printf(\"%ld\\n\", (long) (").append(expr).append("));\n");
        }
        c.append("  return 0;\n}\n");
        Path dir = Files.createTempDirectory("layout");
        try {
            String mismatches = compileAndCompare(dir, c.toString(), expected);
            assertEquals("", mismatches);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
        System.out.println("layout: " + expected.size() + " offsets, sizes and constants match the installed headers");
    }

    /** Compiles and runs the offsetof program; returns the mismatches, one per line. */
    private static String compileAndCompare(Path dir, String program, Map<String, Long> expected) throws Exception {
        Path src = dir.resolve("layout.c");
        Path exe = dir.resolve("layout");
        Files.writeString(src, program);
        Process cc;
        try {
            cc = new ProcessBuilder("cc", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assume.assumeTrue("no C compiler (" + e.getMessage() + "); the run-time check still covers the struct",
                    false);
            return "";
        }
        String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS));
        assertEquals("cc failed: " + ccOut, 0, cc.exitValue());
        Process run = new ProcessBuilder(exe.toString()).start();
        List<String> lines = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, run.waitFor());
        assertEquals(expected.size(), lines.size());
        int i = 0;
        StringBuilder mismatches = new StringBuilder();
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            long fromC = Long.parseLong(lines.get(i++).trim());
            if (fromC != e.getValue()) {
                mismatches.append(e.getKey()).append(": C says ").append(fromC).append(", Java has ")
                        .append(e.getValue()).append('\n');
            }
        }
        return mismatches.toString();
    }

    private static Map<String, Long> javaSide() {
        Map<String, Long> m = new LinkedHashMap<>();
        String[] sq = {"khead", "ktail", "kring_mask", "kring_entries", "kflags", "kdropped", "array", "sqes",
            "sqe_head", "sqe_tail", "ring_sz", "ring_ptr", "ring_mask", "ring_entries"};
        long[] sqJava = {LiburingLayout.SQ_KHEAD, LiburingLayout.SQ_KTAIL, LiburingLayout.SQ_KRING_MASK,
            LiburingLayout.SQ_KRING_ENTRIES, LiburingLayout.SQ_KFLAGS, LiburingLayout.SQ_KDROPPED,
            LiburingLayout.SQ_ARRAY, LiburingLayout.SQ_SQES, LiburingLayout.SQ_SQE_HEAD, LiburingLayout.SQ_SQE_TAIL,
            LiburingLayout.SQ_RING_SZ, LiburingLayout.SQ_RING_PTR, LiburingLayout.SQ_RING_MASK,
            LiburingLayout.SQ_RING_ENTRIES};
        for (int i = 0; i < sq.length; i++) {
            m.put("offsetof(struct io_uring, sq." + sq[i] + ")", sqJava[i]);
        }
        String[] cq = {"khead", "ktail", "kring_mask", "kring_entries", "kflags", "koverflow", "cqes", "ring_sz",
            "ring_ptr", "ring_mask", "ring_entries"};
        long[] cqJava = {LiburingLayout.CQ_KHEAD, LiburingLayout.CQ_KTAIL, LiburingLayout.CQ_KRING_MASK,
            LiburingLayout.CQ_KRING_ENTRIES, LiburingLayout.CQ_KFLAGS, LiburingLayout.CQ_KOVERFLOW,
            LiburingLayout.CQ_CQES, LiburingLayout.CQ_RING_SZ, LiburingLayout.CQ_RING_PTR,
            LiburingLayout.CQ_RING_MASK, LiburingLayout.CQ_RING_ENTRIES};
        for (int i = 0; i < cq.length; i++) {
            m.put("offsetof(struct io_uring, cq." + cq[i] + ")", cqJava[i]);
        }
        m.put("offsetof(struct io_uring, flags)", LiburingLayout.FLAGS);
        m.put("offsetof(struct io_uring, ring_fd)", LiburingLayout.RING_FD);
        m.put("offsetof(struct io_uring, features)", LiburingLayout.FEATURES);
        m.put("offsetof(struct io_uring, enter_ring_fd)", LiburingLayout.ENTER_RING_FD);
        m.put("offsetof(struct io_uring, int_flags)", LiburingLayout.INT_FLAGS);
        m.put("sizeof(struct io_uring)", LiburingLayout.SIZE);

        m.put("sizeof(struct io_uring_sqe)", (long) IoUringLayout.SQE_SIZE);
        m.put("offsetof(struct io_uring_sqe, opcode)", IoUringLayout.SQE_OPCODE);
        m.put("offsetof(struct io_uring_sqe, flags)", IoUringLayout.SQE_FLAGS);
        m.put("offsetof(struct io_uring_sqe, ioprio)", IoUringLayout.SQE_IOPRIO);
        m.put("offsetof(struct io_uring_sqe, fd)", IoUringLayout.SQE_FD);
        m.put("offsetof(struct io_uring_sqe, off)", IoUringLayout.SQE_OFF);
        m.put("offsetof(struct io_uring_sqe, cmd_op)", IoUringLayout.SQE_CMD_OP);
        m.put("offsetof(struct io_uring_sqe, __pad1)", IoUringLayout.SQE_CMD_OP_PAD);
        m.put("offsetof(struct io_uring_sqe, addr)", IoUringLayout.SQE_ADDR);
        m.put("offsetof(struct io_uring_sqe, len)", IoUringLayout.SQE_LEN);
        m.put("offsetof(struct io_uring_sqe, rw_flags)", IoUringLayout.SQE_OP_FLAGS);
        m.put("offsetof(struct io_uring_sqe, fsync_flags)", IoUringLayout.SQE_OP_FLAGS);
        m.put("offsetof(struct io_uring_sqe, timeout_flags)", IoUringLayout.SQE_OP_FLAGS);
        m.put("offsetof(struct io_uring_sqe, cancel_flags)", IoUringLayout.SQE_OP_FLAGS);
        m.put("offsetof(struct io_uring_sqe, uring_cmd_flags)", IoUringLayout.SQE_OP_FLAGS);
        m.put("offsetof(struct io_uring_sqe, user_data)", IoUringLayout.SQE_USER_DATA);
        m.put("offsetof(struct io_uring_sqe, buf_index)", IoUringLayout.SQE_BUF_INDEX);
        m.put("offsetof(struct io_uring_sqe, personality)", IoUringLayout.SQE_PERSONALITY);
        m.put("offsetof(struct io_uring_sqe, file_index)", IoUringLayout.SQE_FILE_INDEX);
        m.put("offsetof(struct io_uring_sqe, addr3)", IoUringLayout.SQE_ADDR3);
        m.put("offsetof(struct io_uring_sqe, cmd)", IoUringLayout.SQE_CMD);

        m.put("sizeof(struct io_uring_cqe)", (long) IoUringLayout.CQE_SIZE);
        m.put("offsetof(struct io_uring_cqe, user_data)", IoUringLayout.CQE_USER_DATA);
        m.put("offsetof(struct io_uring_cqe, res)", IoUringLayout.CQE_RES);
        m.put("offsetof(struct io_uring_cqe, flags)", IoUringLayout.CQE_FLAGS);
        m.put("offsetof(struct io_uring_cqe, big_cqe)", IoUringLayout.CQE_BIG);

        m.put("sizeof(struct io_uring_params)", (long) IoUringLayout.PARAMS_SIZE);
        m.put("offsetof(struct io_uring_params, sq_entries)", IoUringLayout.PARAMS_SQ_ENTRIES);
        m.put("offsetof(struct io_uring_params, cq_entries)", IoUringLayout.PARAMS_CQ_ENTRIES);
        m.put("offsetof(struct io_uring_params, flags)", IoUringLayout.PARAMS_FLAGS);
        m.put("offsetof(struct io_uring_params, sq_thread_cpu)", IoUringLayout.PARAMS_SQ_THREAD_CPU);
        m.put("offsetof(struct io_uring_params, sq_thread_idle)", IoUringLayout.PARAMS_SQ_THREAD_IDLE);
        m.put("offsetof(struct io_uring_params, features)", IoUringLayout.PARAMS_FEATURES);
        m.put("offsetof(struct io_uring_params, wq_fd)", IoUringLayout.PARAMS_WQ_FD);
        m.put("offsetof(struct io_uring_params, sq_off)", IoUringLayout.PARAMS_SQ_OFF);
        m.put("offsetof(struct io_uring_params, cq_off)", IoUringLayout.PARAMS_CQ_OFF);
        m.put("offsetof(struct io_sqring_offsets, head)", IoUringLayout.SQ_OFF_HEAD);
        m.put("offsetof(struct io_sqring_offsets, tail)", IoUringLayout.SQ_OFF_TAIL);
        m.put("offsetof(struct io_sqring_offsets, ring_mask)", IoUringLayout.SQ_OFF_RING_MASK);
        m.put("offsetof(struct io_sqring_offsets, ring_entries)", IoUringLayout.SQ_OFF_RING_ENTRIES);
        m.put("offsetof(struct io_sqring_offsets, flags)", IoUringLayout.SQ_OFF_FLAGS);
        m.put("offsetof(struct io_sqring_offsets, dropped)", IoUringLayout.SQ_OFF_DROPPED);
        m.put("offsetof(struct io_sqring_offsets, array)", IoUringLayout.SQ_OFF_ARRAY);
        m.put("offsetof(struct io_cqring_offsets, head)", IoUringLayout.CQ_OFF_HEAD);
        m.put("offsetof(struct io_cqring_offsets, tail)", IoUringLayout.CQ_OFF_TAIL);
        m.put("offsetof(struct io_cqring_offsets, ring_mask)", IoUringLayout.CQ_OFF_RING_MASK);
        m.put("offsetof(struct io_cqring_offsets, ring_entries)", IoUringLayout.CQ_OFF_RING_ENTRIES);
        m.put("offsetof(struct io_cqring_offsets, overflow)", IoUringLayout.CQ_OFF_OVERFLOW);
        m.put("offsetof(struct io_cqring_offsets, cqes)", IoUringLayout.CQ_OFF_CQES);
        m.put("offsetof(struct io_cqring_offsets, flags)", IoUringLayout.CQ_OFF_FLAGS);

        m.put("sizeof(struct io_uring_getevents_arg)", (long) IoUringLayout.GETEVENTS_ARG_SIZE);
        m.put("offsetof(struct io_uring_getevents_arg, sigmask)", IoUringLayout.GETEVENTS_ARG_SIGMASK);
        m.put("offsetof(struct io_uring_getevents_arg, sigmask_sz)", IoUringLayout.GETEVENTS_ARG_SIGMASK_SZ);
        m.put("offsetof(struct io_uring_getevents_arg, ts)", IoUringLayout.GETEVENTS_ARG_TS);
        m.put("sizeof(struct __kernel_timespec)", (long) IoUringLayout.TIMESPEC_SIZE);
        m.put("offsetof(struct __kernel_timespec, tv_sec)", IoUringLayout.TIMESPEC_SEC);
        m.put("offsetof(struct __kernel_timespec, tv_nsec)", IoUringLayout.TIMESPEC_NSEC);
        m.put("sizeof(struct iovec)", (long) IoUringLayout.IOVEC_SIZE);
        m.put("offsetof(struct iovec, iov_base)", IoUringLayout.IOVEC_BASE);
        m.put("offsetof(struct iovec, iov_len)", IoUringLayout.IOVEC_LEN);
        m.put("sizeof(struct io_uring_probe)", (long) IoUringLayout.PROBE_HEADER_SIZE);
        m.put("offsetof(struct io_uring_probe, last_op)", IoUringLayout.PROBE_LAST_OP);
        m.put("offsetof(struct io_uring_probe, ops_len)", IoUringLayout.PROBE_OPS_LEN);
        m.put("sizeof(struct io_uring_probe_op)", (long) IoUringLayout.PROBE_OP_SIZE);
        m.put("offsetof(struct io_uring_probe_op, flags)", IoUringLayout.PROBE_OP_FLAGS);

        // constant values, too
        m.put("IORING_OP_NOP", (long) IoUring.OP_NOP);
        m.put("IORING_OP_READV", (long) IoUring.OP_READV);
        m.put("IORING_OP_WRITEV", (long) IoUring.OP_WRITEV);
        m.put("IORING_OP_FSYNC", (long) IoUring.OP_FSYNC);
        m.put("IORING_OP_READ_FIXED", (long) IoUring.OP_READ_FIXED);
        m.put("IORING_OP_WRITE_FIXED", (long) IoUring.OP_WRITE_FIXED);
        m.put("IORING_OP_POLL_ADD", (long) IoUring.OP_POLL_ADD);
        m.put("IORING_OP_POLL_REMOVE", (long) IoUring.OP_POLL_REMOVE);
        m.put("IORING_OP_TIMEOUT", (long) IoUring.OP_TIMEOUT);
        m.put("IORING_OP_TIMEOUT_REMOVE", (long) IoUring.OP_TIMEOUT_REMOVE);
        m.put("IORING_OP_ASYNC_CANCEL", (long) IoUring.OP_ASYNC_CANCEL);
        m.put("IORING_OP_LINK_TIMEOUT", (long) IoUring.OP_LINK_TIMEOUT);
        m.put("IORING_OP_FALLOCATE", (long) IoUring.OP_FALLOCATE);
        m.put("IORING_OP_READ", (long) IoUring.OP_READ);
        m.put("IORING_OP_WRITE", (long) IoUring.OP_WRITE);
        m.put("IORING_OP_MSG_RING", (long) IoUring.OP_MSG_RING);
        m.put("IORING_OP_URING_CMD", (long) IoUring.OP_URING_CMD);
        m.put("IOSQE_FIXED_FILE", (long) IoUring.IOSQE_FIXED_FILE);
        m.put("IOSQE_IO_DRAIN", (long) IoUring.IOSQE_IO_DRAIN);
        m.put("IOSQE_IO_LINK", (long) IoUring.IOSQE_IO_LINK);
        m.put("IOSQE_IO_HARDLINK", (long) IoUring.IOSQE_IO_HARDLINK);
        m.put("IOSQE_ASYNC", (long) IoUring.IOSQE_ASYNC);
        m.put("IOSQE_CQE_SKIP_SUCCESS", (long) IoUring.IOSQE_CQE_SKIP_SUCCESS);
        m.put("IORING_SETUP_CQSIZE", (long) IoUring.SETUP_CQSIZE);
        m.put("IORING_SETUP_R_DISABLED", (long) IoUring.SETUP_R_DISABLED);
        m.put("IORING_SETUP_SUBMIT_ALL", (long) IoUring.SETUP_SUBMIT_ALL);
        m.put("IORING_SETUP_COOP_TASKRUN", (long) IoUring.SETUP_COOP_TASKRUN);
        m.put("IORING_SETUP_TASKRUN_FLAG", (long) IoUring.SETUP_TASKRUN_FLAG);
        m.put("IORING_SETUP_SQE128", (long) IoUring.SETUP_SQE128);
        m.put("IORING_SETUP_CQE32", (long) IoUring.SETUP_CQE32);
        m.put("IORING_SETUP_SINGLE_ISSUER", (long) IoUring.SETUP_SINGLE_ISSUER);
        m.put("IORING_SETUP_DEFER_TASKRUN", (long) IoUring.SETUP_DEFER_TASKRUN);
        m.put("IORING_FEAT_NODROP", (long) IoUring.FEAT_NODROP);
        m.put("IORING_FEAT_EXT_ARG", (long) IoUring.FEAT_EXT_ARG);
        m.put("IORING_ENTER_GETEVENTS", (long) IoUring.ENTER_GETEVENTS);
        m.put("IORING_ENTER_EXT_ARG", (long) IoUring.ENTER_EXT_ARG);
        m.put("IORING_ENTER_REGISTERED_RING", (long) IoUring.ENTER_REGISTERED_RING);
        m.put("IORING_SQ_CQ_OVERFLOW", (long) IoUring.SQ_CQ_OVERFLOW);
        m.put("IORING_SQ_TASKRUN", (long) IoUring.SQ_TASKRUN);
        m.put("IORING_CQE_F_MORE", (long) IoUring.CQE_F_MORE);
        m.put("IORING_FSYNC_DATASYNC", (long) IoUring.FSYNC_DATASYNC);
        m.put("IORING_TIMEOUT_ABS", (long) IoUring.TIMEOUT_ABS);
        m.put("IORING_ASYNC_CANCEL_ALL", (long) IoUring.ASYNC_CANCEL_ALL);
        m.put("IORING_ASYNC_CANCEL_FD", (long) IoUring.ASYNC_CANCEL_FD);
        m.put("IORING_ASYNC_CANCEL_ANY", (long) IoUring.ASYNC_CANCEL_ANY);
        m.put("IORING_URING_CMD_FIXED", (long) IoUring.URING_CMD_FIXED);
        m.put("IORING_REGISTER_ENABLE_RINGS", (long) Liburing.REGISTER_ENABLE_RINGS);
        return m;
    }
}
