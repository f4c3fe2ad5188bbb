package io.jublk.core.uapi;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.Test;

/**
 * Pins the layouts and opcodes to the values of {@code linux/ublk_cmd.h} on x86-64. The VM tests check the
 * same structures against a real kernel; this test catches an edit that moves a field.
 */
public class UapiLayoutTest {

    @Test
    public void controlCommandLayout() {
        assertEquals(32, CtrlCmd.SIZE);
        assertEquals(0, CtrlCmd.DEV_ID);
        assertEquals(4, CtrlCmd.QUEUE_ID);
        assertEquals(6, CtrlCmd.LEN);
        assertEquals(8, CtrlCmd.ADDR);
        assertEquals(16, CtrlCmd.DATA);
        assertEquals(24, CtrlCmd.DEV_PATH_LEN);
    }

    @Test
    public void batchIoLayoutAndOpcodes() {
        assertEquals(16, BatchIo.SIZE);
        assertEquals(0, BatchIo.Q_ID);
        assertEquals(2, BatchIo.FLAGS);
        assertEquals(4, BatchIo.NR_ELEM);
        assertEquals(6, BatchIo.ELEM_BYTES);
        assertEquals(8, BatchIo.ELEM_HEADER.byteSize());
        assertEquals(2, BatchIo.ELEM_BUF_INDEX);
        assertEquals(4, BatchIo.ELEM_RESULT);
        assertEquals(8, BatchIo.elemBytes(0));
        assertEquals(8, BatchIo.elemBytes(BatchIo.F_AUTO_BUF_REG_FALLBACK));
        assertEquals(16, BatchIo.elemBytes(BatchIo.F_HAS_BUF_ADDR));
        assertEquals(0xc0107525, BatchIo.PREP_IO_CMDS);
        assertEquals(0xc0107526, BatchIo.COMMIT_IO_CMDS);
        assertEquals(0xc0107527, BatchIo.FETCH_IO_CMDS);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment elems = arena.allocate(32, 8);
            BatchIo.writeElem(elems, 1, 16, 7, 0, -5, 0x1234_5000L);
            assertEquals(7, BatchIo.elemTag(elems, 1, 16));
            assertEquals(-5, BatchIo.elemResult(elems, 1, 16));
            assertEquals(0x1234_5000L, BatchIo.elemBufferAddress(elems, 1, 16));
            MemorySegment cmd = arena.allocate(16, 8);
            BatchIo.writeHeader(cmd, 3, BatchIo.F_HAS_BUF_ADDR, 64, 16);
            assertEquals(0x0040_0002_0003L, cmd.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0) & 0xffff_ffff_ffffL);
            assertEquals(16, cmd.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 6));
        }
    }

    @Test
    public void controlOpcodesAreIoctlEncoded() {
        assertEquals(0x80207501, ControlCommand.GET_QUEUE_AFFINITY.opcode());
        assertEquals(0x80207502, ControlCommand.GET_DEV_INFO.opcode());
        assertEquals(0xc0207504, ControlCommand.ADD_DEV.opcode());
        assertEquals(0xc0207505, ControlCommand.DEL_DEV.opcode());
        assertEquals(0xc0207506, ControlCommand.START_DEV.opcode());
        assertEquals(0xc0207507, ControlCommand.STOP_DEV.opcode());
        assertEquals(0xc0207508, ControlCommand.SET_PARAMS.opcode());
        assertEquals(0x80207509, ControlCommand.GET_PARAMS.opcode());
        assertEquals(0xc0207510, ControlCommand.START_USER_RECOVERY.opcode());
        assertEquals(0xc0207511, ControlCommand.END_USER_RECOVERY.opcode());
        assertEquals(0x80207512, ControlCommand.GET_DEV_INFO2.opcode());
        assertEquals(0x80207513, ControlCommand.GET_FEATURES.opcode());
        assertEquals(0x80207514, ControlCommand.DEL_DEV_ASYNC.opcode());
        assertEquals(0xc0207515, ControlCommand.UPDATE_SIZE.opcode());
        assertEquals(0xc0207516, ControlCommand.QUIESCE_DEV.opcode());
        assertEquals(0xc0207517, ControlCommand.TRY_STOP_DEV.opcode());
    }

    @Test
    public void devInfoLayout() {
        assertEquals(64, DevInfo.SIZE);
        assertEquals(0, DevInfo.NR_HW_QUEUES);
        assertEquals(2, DevInfo.QUEUE_DEPTH);
        assertEquals(4, DevInfo.STATE);
        assertEquals(8, DevInfo.MAX_IO_BUF_BYTES);
        assertEquals(12, DevInfo.DEV_ID);
        assertEquals(16, DevInfo.UBLKSRV_PID);
        assertEquals(24, DevInfo.FLAGS);
        assertEquals(32, DevInfo.UBLKSRV_FLAGS);
        assertEquals(40, DevInfo.OWNER_UID);
        assertEquals(44, DevInfo.OWNER_GID);
    }

    @Test
    public void devInfoRoundTrips() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(DevInfo.SIZE);
            DevInfo info = new DevInfo(4, 128, DeviceState.QUIESCED, 512 << 10, 7, 4242,
                    Feature.USER_RECOVERY.mask() | Feature.USER_COPY.mask(), 0xfeedL, 1000, 1001);
            info.write(s);
            assertEquals(info, DevInfo.read(s));
        }
    }

    @Test
    public void paramsLayout() {
        assertEquals(152, Params.SIZE);
        assertEquals(8, Params.BASIC_AT);
        assertEquals(40, Params.DISCARD_AT);
        assertEquals(60, Params.DEVT_AT);
        assertEquals(76, Params.ZONED_AT); // struct ublk_param_zoned is 4-aligned (u32 fields)
        assertEquals(120, Params.SEGMENT_AT); // struct ublk_param_segment starts with a u64
        assertEquals(32, Params.BASIC.byteSize());
        assertEquals(4, Params.basicOffset("logical_bs_shift"));
        assertEquals(8, Params.basicOffset("max_sectors"));
        assertEquals(16, Params.basicOffset("dev_sectors"));
        assertEquals(20, Params.DISCARD.byteSize());
        assertEquals(16, Params.discardOffset("max_discard_segments"));
    }

    @Test
    public void paramsRoundTripWithoutDevt() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(Params.SIZE);
            Params p = new Params(
                    new Params.Basic(Params.ATTR_VOLATILE_CACHE, 9, 12, 12, 9, 1024, 0, 250L << 21, 0),
                    new Params.Discard(0, 4096, 1 << 20, 1 << 20, 1), null);
            p.write(s);
            assertEquals(152, s.get(java.lang.foreign.ValueLayout.JAVA_INT, 0));
            assertEquals(Params.TYPE_BASIC | Params.TYPE_DISCARD, s.get(java.lang.foreign.ValueLayout.JAVA_INT, 4));
            Params back = Params.read(s);
            assertEquals(p.basic(), back.basic());
            assertEquals(p.discard(), back.discard());
            assertNull(back.devt());
        }
    }

    @Test
    public void ioDescriptorAndCommand() {
        assertEquals(24, IoDesc.SIZE);
        assertEquals(4, IoDesc.NR_SECTORS);
        assertEquals(8, IoDesc.START_SECTOR);
        assertEquals(16, IoDesc.ADDR);
        assertEquals(98304, IoDesc.mmapOffset(1, 4096));
        assertEquals(4096, IoDesc.mmapLength(128, 4096));
        assertEquals(16, IoCmd.SIZE);
        assertEquals(2, IoCmd.TAG);
        assertEquals(4, IoCmd.RESULT);
        assertEquals(8, IoCmd.ADDR);
        assertEquals(0xc0107520, IoCmd.FETCH_REQ);
        assertEquals(0xc0107521, IoCmd.COMMIT_AND_FETCH_REQ);
        assertEquals(0xc0107522, IoCmd.NEED_GET_DATA);
        assertEquals(0x80000000L + (3L << 41) + (5L << 25) + 512, IoCmd.userCopyOffset(3, 5, 512));
        // ublk_auto_buf_reg in sqe->addr: index bits 0-15, flags 16-23, reserved above
        assertEquals(0x1_0007L, IoCmd.autoBufReg(7, IoCmd.AUTO_BUF_REG_FALLBACK));
        assertEquals(0xffffL, IoCmd.autoBufReg(0xffff, 0));
        assertEquals(1 << 17, IoOp.FLAG_NEED_REG_BUF);
    }

    @Test
    public void featureNamesFollowBits() {
        assertEquals(List.of(Feature.URING_CMD_COMP_IN_TASK, Feature.NEED_GET_DATA, Feature.USER_RECOVERY,
                        Feature.USER_RECOVERY_REISSUE, Feature.UNPRIVILEGED_DEV, Feature.CMD_IOCTL_ENCODE,
                        Feature.USER_COPY, Feature.ZONED),
                Feature.decode(0x1fe));
        assertEquals(20, Feature.decode(0xfffff).size());
        assertEquals(1L << 40, Feature.unknownBits(0xfffffL | (1L << 40)));
    }
}
