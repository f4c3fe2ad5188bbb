package io.jublk.uring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jublk.uring.sys.Linux;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.Test;

public class RingBasicsTest {

    @Test
    public void nopRoundTripInOneBatch() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(64).build())) {
            for (int i = 0; i < 32; i++) {
                ring.sqe().nop().userData(1000 + i);
            }
            assertEquals(32, ring.pending());
            assertEquals(32, ring.submitAndWait(32));
            assertEquals(32, ring.inFlight());
            Recorder r = new Recorder();
            assertEquals(32, ring.drain(r));
            assertEquals(0, ring.inFlight());
            for (int i = 0; i < 32; i++) {
                assertEquals(0, r.res(1000 + i));
            }
            assertEquals(0, ring.drain(r));
        }
    }

    @Test
    public void usesTheFastSetupFlagsThisKernelHas() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(8).build())) {
            int flags = ring.setupFlags();
            System.out.printf("default ring: setup flags 0x%x, features 0x%x, ring fd %d%n", flags, ring.features(),
                    ring.fd());
            assertTrue("SINGLE_ISSUER", (flags & IoUring.SETUP_SINGLE_ISSUER) != 0);
            assertTrue("DEFER_TASKRUN or COOP_TASKRUN",
                    (flags & (IoUring.SETUP_DEFER_TASKRUN | IoUring.SETUP_COOP_TASKRUN)) != 0);
            assertTrue((ring.features() & IoUring.FEAT_NODROP) != 0);
            assertEquals(8, ring.sqEntries());
            assertEquals(16, ring.cqEntries());
            assertTrue(ring.supportsOp(IoUring.OP_URING_CMD));
            assertTrue(ring.supportsOp(IoUring.OP_READ));
            assertFalse(ring.supportsOp(255));
        }
    }

    @Test
    public void supportReportDescribesThisHost() {
        UringSupport support = UringSupport.detect();
        System.out.println(support.describe());
        assertTrue(support.problem(), support.available());
        assertTrue(support.bigEntries());
        assertTrue(support.uringCmd());
        assertTrue(UringSupport.setupFlagNames(support.setupFlags()).contains("SINGLE_ISSUER"));
        assertEquals(java.util.List.of("SQE128", "DEFER_TASKRUN"),
                UringSupport.setupFlagNames(IoUring.SETUP_SQE128 | IoUring.SETUP_DEFER_TASKRUN));
    }

    @Test
    public void optionalFlagsCanBeTurnedOff() throws Exception {
        RingConfig plain = RingConfig.builder(8).singleIssuer(false).deferTaskrun(false).coopTaskrun(false)
                .submitAll(false).registerRingFd(false).build();
        try (Ring ring = Ring.open(plain)) {
            assertEquals(0, ring.setupFlags());
            ring.sqe().nop().userData(1);
            Recorder r = new Recorder();
            r.await(ring, 1);
            assertEquals(0, r.res(1));
        }
    }

    @Test
    public void fallbackOrderPrefersDeferTaskrunThenCoopThenPlain() {
        var sets = RingSetup.candidates(RingConfig.builder(8).sqe128(true).build());
        assertEquals(IoUring.SETUP_SQE128 | IoUring.SETUP_SUBMIT_ALL | IoUring.SETUP_SINGLE_ISSUER
                | IoUring.SETUP_DEFER_TASKRUN | IoUring.SETUP_TASKRUN_FLAG, (int) sets.get(0));
        assertEquals(IoUring.SETUP_SQE128, (int) sets.get(sets.size() - 1));
        for (int flags : sets) {
            assertTrue("every candidate keeps the required flag", (flags & IoUring.SETUP_SQE128) != 0);
        }
    }

    @Test
    public void cqSizeAndBigEntries() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(4).cqEntries(64).sqe128(true).cqe32(true).build())) {
            assertEquals(64, ring.cqEntries());
            assertTrue((ring.setupFlags() & IoUring.SETUP_SQE128) != 0);
            assertTrue((ring.setupFlags() & IoUring.SETUP_CQE32) != 0);
            assertEquals(80, ring.sqe().nop().userData(5).cmdSize());
            long[] extra = new long[] {-1, -1};
            ring.submitAndWait(1);
            ring.drain((ud, res, fl) -> {
                extra[0] = ring.cqeExtra(0);
                extra[1] = ring.cqeExtra(1);
            });
            assertEquals(0, extra[0]);
            assertEquals(0, extra[1]);
        }
    }

    @Test
    public void uringCmdWritesOpAndCommandWhereTheKernelReadsThem() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(4).sqe128(true).build())) {
            Sqe sqe = ring.sqe().uringCmd(7, 0xC0207504).userData(42);
            for (int i = 0; i < 32; i++) {
                sqe.cmdByte(i, (byte) (i + 1));
            }
            sqe.cmdLong(72, 0x1122334455667788L);
            MemorySegment raw = ring.rawSqe(sqe.slot());
            assertEquals(IoUring.OP_URING_CMD, raw.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(7, raw.get(ValueLayout.JAVA_INT, 4));
            assertEquals(0xC0207504, raw.get(ValueLayout.JAVA_INT, 8));
            assertEquals(0, raw.get(ValueLayout.JAVA_INT, 12));
            assertEquals(42L, raw.get(ValueLayout.JAVA_LONG, 32));
            for (int i = 0; i < 32; i++) {
                assertEquals(i + 1, raw.get(ValueLayout.JAVA_BYTE, 48 + i));
            }
            assertEquals(0x1122334455667788L, raw.get(ValueLayout.JAVA_LONG, 120));
            assertEquals(80, sqe.cmd().byteSize());
            assertEquals(raw.address() + 48, sqe.cmd().address());
        }
    }

    @Test
    public void uringCmdAddrAndRegisteredReadsLandInTheirFields() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(4).build())) {
            Sqe cmd = ring.sqe().uringCmd(0, 0x21).addr(0x1_0005_0007L).userData(1);
            MemorySegment raw = ring.rawSqe(cmd.slot());
            assertEquals(0x1_0005_0007L, raw.get(ValueLayout.JAVA_LONG, 16)); // sqe->addr
            assertEquals(0, raw.get(ValueLayout.JAVA_LONG, 48)); // the command area is untouched
            Sqe read = ring.sqe().readRegistered(3, 9, 4096, 8192, 1L << 20).userData(2);
            raw = ring.rawSqe(read.slot());
            assertEquals(IoUring.OP_READ_FIXED, raw.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(4096L, raw.get(ValueLayout.JAVA_LONG, 16)); // offset in the buffer, from 0
            assertEquals(8192, raw.get(ValueLayout.JAVA_INT, 24));
            assertEquals(1L << 20, raw.get(ValueLayout.JAVA_LONG, 8));
            assertEquals(9, raw.get(ValueLayout.JAVA_SHORT, 40));
        }
    }

    @Test
    public void aMultishotBufferSelectCommandLandsInItsFields() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(4).build())) {
            Sqe fetch = ring.sqe().uringCmd(0, 0xc0107527).fixedFile().uringCmdFlags(IoUring.URING_CMD_MULTISHOT)
                    .bufferSelect(5).userData(3);
            MemorySegment raw = ring.rawSqe(fetch.slot());
            assertEquals(IoUring.IOSQE_FIXED_FILE | IoUring.IOSQE_BUFFER_SELECT, raw.get(ValueLayout.JAVA_BYTE, 1));
            assertEquals(2, raw.get(ValueLayout.JAVA_INT, 28)); // uring_cmd_flags: IORING_URING_CMD_MULTISHOT
            assertEquals(5, raw.get(ValueLayout.JAVA_SHORT, 40)); // buf_group
            assertEquals(0L, raw.get(ValueLayout.JAVA_LONG, 16));
            Sqe commit = ring.sqe().uringCmd(0, 0xc0107526).addr(0x7000_1000L).len(256).userData(4);
            raw = ring.rawSqe(commit.slot());
            assertEquals(0x7000_1000L, raw.get(ValueLayout.JAVA_LONG, 16));
            assertEquals(256, raw.get(ValueLayout.JAVA_INT, 24)); // sqe->len
            assertEquals(0, raw.get(ValueLayout.JAVA_BYTE, 1));
        }
    }

    @Test
    public void normalSqeHasSixteenByteCommandArea() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(4).build())) {
            Sqe sqe = ring.sqe().uringCmd(0, 0x21).fixedFile().cmdShort(0, (short) 3).cmdShort(2, (short) 9)
                    .cmdInt(4, -1).cmdLong(8, 0xABCDL).userData(1);
            assertEquals(16, sqe.cmdSize());
            MemorySegment raw = ring.rawSqe(sqe.slot());
            assertEquals(IoUring.IOSQE_FIXED_FILE, raw.get(ValueLayout.JAVA_BYTE, 1));
            assertEquals(3, raw.get(ValueLayout.JAVA_SHORT, 48));
            assertEquals(9, raw.get(ValueLayout.JAVA_SHORT, 50));
            assertEquals(0xABCDL, raw.get(ValueLayout.JAVA_LONG, 56));
            try {
                sqe.cmdLong(16, 1);
                throw new AssertionError("write past the 16-byte area accepted");
            } catch (IndexOutOfBoundsException expected) {
                // the 64-byte SQE ends at byte 64
            }
        }
    }

    @Test
    public void freshSqeIsZeroedNop() throws Exception {
        int zero = Linux.open("/dev/zero", Linux.O_RDONLY | Linux.O_CLOEXEC);
        try (Ring ring = Ring.open(RingConfig.builder(1).build())) {
            Sqe first = ring.sqe().read(zero, ring.allocateBuffer(4096), 0, 4096, 0).userData(77).async();
            int slot = first.slot();
            ring.submitAndWait(1);
            ring.drain(new Recorder());
            Sqe again = ring.sqe();
            assertEquals(slot, again.slot());
            MemorySegment raw = ring.rawSqe(slot);
            for (int i = 0; i < 64; i += 8) {
                assertEquals("byte " + i, 0L, raw.get(ValueLayout.JAVA_LONG, i));
            }
        } finally {
            Linux.close(zero);
        }
    }
}
