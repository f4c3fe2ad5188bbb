package io.jublk.core.uapi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * UBLK_F_BATCH_IO (Linux 7.0+): per-queue batch commands instead of one FETCH_REQ / COMMIT_AND_FETCH_REQ
 * per tag. Each carries {@code struct ublk_batch_io} (16 bytes) in the SQE's command area; PREP and COMMIT
 * point {@code sqe->addr} at an array of elements ({@code struct ublk_elem_header}, 8 bytes, then a u64
 * buffer address when {@link #F_HAS_BUF_ADDR}); FETCH is multishot and writes 2-byte tags into a buffer
 * the kernel picks from a provided-buffer ring. See the core's README for the sequence.
 */
public final class BatchIo {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("q_id"),
            JAVA_SHORT.withName("flags"),
            JAVA_SHORT.withName("nr_elem"),
            JAVA_BYTE.withName("elem_bytes"),
            JAVA_BYTE.withName("reserved"),
            JAVA_LONG.withName("reserved2"));
    public static final long SIZE = LAYOUT.byteSize();

    static final long Q_ID = LAYOUT.byteOffset(groupElement("q_id"));
    static final long FLAGS = LAYOUT.byteOffset(groupElement("flags"));
    static final long NR_ELEM = LAYOUT.byteOffset(groupElement("nr_elem"));
    static final long ELEM_BYTES = LAYOUT.byteOffset(groupElement("elem_bytes"));

    /** {@code struct ublk_elem_header}: tag, buffer index (AUTO_BUF_REG), result (commit only). */
    public static final StructLayout ELEM_HEADER = MemoryLayout.structLayout(
            JAVA_SHORT.withName("tag"),
            JAVA_SHORT.withName("buf_index"),
            JAVA_INT.withName("result"));
    static final long ELEM_TAG = ELEM_HEADER.byteOffset(groupElement("tag"));
    static final long ELEM_BUF_INDEX = ELEM_HEADER.byteOffset(groupElement("buf_index"));
    static final long ELEM_RESULT = ELEM_HEADER.byteOffset(groupElement("result"));
    /** Where the optional buffer address follows the header. */
    static final long ELEM_BUF_ADDR = ELEM_HEADER.byteSize();

    /** Hands the kernel every tag of a queue (with its buffer), once, before START_DEV or END_USER_RECOVERY. */
    public static final int PREP_IO_CMDS = Ioctl.iowr('u', 0x25, (int) SIZE);
    /** Commits a batch of results; the CQE's res is the bytes of elements handled, or -errno for none. */
    public static final int COMMIT_IO_CMDS = Ioctl.iowr('u', 0x26, (int) SIZE);
    /** Multishot: each CQE names a buffer holding {@code res / 2} tags with a new request. */
    public static final int FETCH_IO_CMDS = Ioctl.iowr('u', 0x27, (int) SIZE);

    /** Elements carry a zone-append LBA (zoned devices; not used by jublk). */
    public static final int F_HAS_ZONE_LBA = 1;
    /** Elements carry the tag's buffer address (copy mode: the kernel copies into and out of it). */
    public static final int F_HAS_BUF_ADDR = 1 << 1;
    /** AUTO_BUF_REG: deliver a request whose buffer could not be registered, flagged NEED_REG_BUF. */
    public static final int F_AUTO_BUF_REG_FALLBACK = 1 << 2;
    /** Bytes per tag in a fetch buffer. */
    public static final int FETCH_ELEM_BYTES = 2;
    /** A fetch-buffer entry the kernel could not hand over: skip it. */
    public static final int UNUSED_TAG = 0xffff;

    private BatchIo() {
    }

    /** Element size for {@code flags}: the 8-byte header plus 8 bytes per optional field. */
    public static int elemBytes(int flags) {
        return (int) ELEM_HEADER.byteSize() + ((flags & F_HAS_BUF_ADDR) != 0 ? 8 : 0)
                + ((flags & F_HAS_ZONE_LBA) != 0 ? 8 : 0);
    }

    /** Writes {@code struct ublk_batch_io} into an SQE's command area. */
    public static void writeHeader(MemorySegment cmd, int queueId, int flags, int count, int elemBytes) {
        cmd.set(JAVA_SHORT, Q_ID, (short) queueId);
        cmd.set(JAVA_SHORT, FLAGS, (short) flags);
        cmd.set(JAVA_SHORT, NR_ELEM, (short) count);
        cmd.set(JAVA_BYTE, ELEM_BYTES, (byte) elemBytes);
        cmd.set(JAVA_BYTE, ELEM_BYTES + 1, (byte) 0);
        cmd.set(JAVA_LONG, 8, 0L);
    }

    /** Writes element {@code index} of a PREP or COMMIT array. */
    public static void writeElem(MemorySegment elems, int index, int elemBytes, int tag, int bufIndex, int result,
                                 long bufferAddress) {
        long at = (long) index * elemBytes;
        elems.set(JAVA_SHORT, at + ELEM_TAG, (short) tag);
        elems.set(JAVA_SHORT, at + ELEM_BUF_INDEX, (short) bufIndex);
        elems.set(JAVA_INT, at + ELEM_RESULT, result);
        if (elemBytes > ELEM_BUF_ADDR) {
            elems.set(JAVA_LONG, at + ELEM_BUF_ADDR, bufferAddress);
        }
    }

    public static int elemTag(MemorySegment elems, int index, int elemBytes) {
        return Short.toUnsignedInt(elems.get(JAVA_SHORT, (long) index * elemBytes + ELEM_TAG));
    }

    public static int elemResult(MemorySegment elems, int index, int elemBytes) {
        return elems.get(JAVA_INT, (long) index * elemBytes + ELEM_RESULT);
    }

    public static long elemBufferAddress(MemorySegment elems, int index, int elemBytes) {
        return elemBytes > ELEM_BUF_ADDR ? elems.get(JAVA_LONG, (long) index * elemBytes + ELEM_BUF_ADDR) : 0;
    }

    /** Tag {@code index} of a fetch buffer. */
    public static int fetchedTag(MemorySegment buffer, int index) {
        return Short.toUnsignedInt(buffer.get(JAVA_SHORT, (long) index * FETCH_ELEM_BYTES));
    }
}
