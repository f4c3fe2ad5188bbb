package io.jublk.uring;

import static io.jublk.uring.internal.IoUringLayout.SQE_ADDR;
import static io.jublk.uring.internal.IoUringLayout.SQE_BUF_INDEX;
import static io.jublk.uring.internal.IoUringLayout.SQE_CMD;
import static io.jublk.uring.internal.IoUringLayout.SQE_CMD_OP;
import static io.jublk.uring.internal.IoUringLayout.SQE_FD;
import static io.jublk.uring.internal.IoUringLayout.SQE_FLAGS;
import static io.jublk.uring.internal.IoUringLayout.SQE_IOPRIO;
import static io.jublk.uring.internal.IoUringLayout.SQE_LEN;
import static io.jublk.uring.internal.IoUringLayout.SQE_OFF;
import static io.jublk.uring.internal.IoUringLayout.SQE_OPCODE;
import static io.jublk.uring.internal.IoUringLayout.SQE_OP_FLAGS;
import static io.jublk.uring.internal.IoUringLayout.SQE_USER_DATA;
import static io.jublk.uring.internal.IoUringLayout.TIMESPEC_NSEC;
import static io.jublk.uring.internal.IoUringLayout.TIMESPEC_SEC;
import static io.jublk.uring.internal.IoUringLayout.TIMESPEC_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Writes one submission queue entry in place, in the ring's mapped SQE array. {@link Ring#sqe()}
 * returns the ring's single instance positioned on a fresh, zeroed slot; call one operation method
 * and then the modifiers, e.g. {@code ring.sqe().read(fd, buf, 0, 4096, off).userData(tag)}.
 * The instance is reused for the next slot, so do not keep it. Owner thread only.
 *
 * <p>Buffers are passed as native segments and checked (native, in bounds, arena alive) before their
 * address reaches the kernel. Keep them alive until the operation's completion: the kernel writes
 * into them until then ({@link Ring#allocateBuffer(long)} gives memory that lives as long as the ring).
 */
public final class Sqe {
    private static final int ALLOWED_FLAGS = IoUring.IOSQE_FIXED_FILE | IoUring.IOSQE_IO_DRAIN
            | IoUring.IOSQE_IO_LINK | IoUring.IOSQE_IO_HARDLINK | IoUring.IOSQE_ASYNC;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final MemorySegment sqes;
    private final MemorySegment timespecs;
    private final MemorySegment[] cmdAreas;
    private final int cmdSize;
    private long base;
    private int slot;

    Sqe(MemorySegment sqes, MemorySegment timespecs, MemorySegment[] cmdAreas, int cmdSize) {
        this.sqes = sqes;
        this.timespecs = timespecs;
        this.cmdAreas = cmdAreas;
        this.cmdSize = cmdSize;
    }

    Sqe at(int slot, long base) {
        this.slot = slot;
        this.base = base;
        return this;
    }

    /** Index of this entry in the SQE array. */
    public int slot() {
        return slot;
    }

    // ---- operations -------------------------------------------------------------------------

    /** IORING_OP_NOP: completes with res 0. */
    public Sqe nop() {
        rw(IoUring.OP_NOP, -1, 0, 0, 0);
        return this;
    }

    /** IORING_OP_READ of {@code len} bytes at {@code fileOffset} into {@code buf[bufOffset..]}. */
    public Sqe read(int fd, MemorySegment buf, long bufOffset, int len, long fileOffset) {
        rw(IoUring.OP_READ, fd, address(buf, bufOffset, len), len, fileOffset);
        return this;
    }

    /** IORING_OP_WRITE of {@code len} bytes from {@code buf[bufOffset..]} at {@code fileOffset}. */
    public Sqe write(int fd, MemorySegment buf, long bufOffset, int len, long fileOffset) {
        rw(IoUring.OP_WRITE, fd, address(buf, bufOffset, len), len, fileOffset);
        return this;
    }

    /** IORING_OP_READ_FIXED into a part of registered buffer {@code bufIndex} ({@code buf} must lie inside it). */
    public Sqe readFixed(int fd, MemorySegment buf, long bufOffset, int len, long fileOffset, int bufIndex) {
        rw(IoUring.OP_READ_FIXED, fd, address(buf, bufOffset, len), len, fileOffset);
        return bufIndex(bufIndex);
    }

    /** IORING_OP_WRITE_FIXED from a part of registered buffer {@code bufIndex}. */
    public Sqe writeFixed(int fd, MemorySegment buf, long bufOffset, int len, long fileOffset, int bufIndex) {
        rw(IoUring.OP_WRITE_FIXED, fd, address(buf, bufOffset, len), len, fileOffset);
        return bufIndex(bufIndex);
    }

    /**
     * IORING_OP_READ_FIXED into bytes {@code bufOffset..bufOffset+len} of registered buffer {@code bufIndex},
     * for a buffer the kernel registered itself (a ublk request's pages: their addresses start at 0), which
     * this process cannot address.
     */
    public Sqe readRegistered(int fd, int bufIndex, long bufOffset, int len, long fileOffset) {
        rw(IoUring.OP_READ_FIXED, fd, registeredOffset(bufOffset, len), len, fileOffset);
        return bufIndex(bufIndex);
    }

    /** IORING_OP_WRITE_FIXED from bytes {@code bufOffset..bufOffset+len} of a kernel-registered buffer, as {@link #readRegistered}. */
    public Sqe writeRegistered(int fd, int bufIndex, long bufOffset, int len, long fileOffset) {
        rw(IoUring.OP_WRITE_FIXED, fd, registeredOffset(bufOffset, len), len, fileOffset);
        return bufIndex(bufIndex);
    }

    /** IORING_OP_READV over the first {@code count} entries of {@code iovecs}. */
    public Sqe readv(int fd, IoVecs iovecs, int count, long fileOffset) {
        rw(IoUring.OP_READV, fd, iovecs.address(count), count, fileOffset);
        return this;
    }

    /** IORING_OP_WRITEV over the first {@code count} entries of {@code iovecs}. */
    public Sqe writev(int fd, IoVecs iovecs, int count, long fileOffset) {
        rw(IoUring.OP_WRITEV, fd, iovecs.address(count), count, fileOffset);
        return this;
    }

    /** IORING_OP_FSYNC; {@code fsyncFlags} is 0 or {@link IoUring#FSYNC_DATASYNC}. */
    public Sqe fsync(int fd, int fsyncFlags) {
        if ((fsyncFlags & ~IoUring.FSYNC_DATASYNC) != 0) {
            throw new IllegalArgumentException("unknown fsync flags 0x" + Integer.toHexString(fsyncFlags));
        }
        rw(IoUring.OP_FSYNC, fd, 0, 0, 0);
        sqes.set(JAVA_INT, base + SQE_OP_FLAGS, fsyncFlags);
        return this;
    }

    /** IORING_OP_FALLOCATE, as fallocate(2): {@code mode} is a FALLOC_FL_* combination. */
    public Sqe fallocate(int fd, int mode, long offset, long length) {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("fallocate needs offset >= 0 and length > 0: " + offset + ", " + length);
        }
        rw(IoUring.OP_FALLOCATE, fd, length, mode, offset);
        return this;
    }

    /**
     * IORING_OP_URING_CMD with {@code cmdOp} (sqe byte 8). Fill the command through {@link #cmd()} or
     * the {@code cmd*} setters: 16 bytes at SQE byte 48, or 80 bytes in a ring with 128-byte SQEs.
     */
    public Sqe uringCmd(int fd, int cmdOp) {
        sqes.set(JAVA_BYTE, base + SQE_OPCODE, (byte) IoUring.OP_URING_CMD);
        sqes.set(JAVA_INT, base + SQE_FD, fd);
        sqes.set(JAVA_INT, base + SQE_CMD_OP, cmdOp);
        return this;
    }

    /** IORING_OP_TIMEOUT: completes with -ETIME after {@code nanos}, or with 0 after {@code count} other completions. */
    public Sqe timeout(long nanos, int count, int timeoutFlags) {
        rw(IoUring.OP_TIMEOUT, -1, timespec(nanos), 1, Integer.toUnsignedLong(count));
        sqes.set(JAVA_INT, base + SQE_OP_FLAGS, timeoutFlags);
        return this;
    }

    /** IORING_OP_LINK_TIMEOUT: cancels the previous, linked SQE if it has not completed within {@code nanos}. */
    public Sqe linkTimeout(long nanos, int timeoutFlags) {
        rw(IoUring.OP_LINK_TIMEOUT, -1, timespec(nanos), 1, 0);
        sqes.set(JAVA_INT, base + SQE_OP_FLAGS, timeoutFlags);
        return this;
    }

    /** IORING_OP_TIMEOUT_REMOVE of the timeout submitted with {@code targetUserData}. */
    public Sqe timeoutRemove(long targetUserData) {
        rw(IoUring.OP_TIMEOUT_REMOVE, -1, targetUserData, 0, 0);
        return this;
    }

    /** IORING_OP_ASYNC_CANCEL of the operation submitted with {@code targetUserData}; flags are ASYNC_CANCEL_*. */
    public Sqe cancel(long targetUserData, int cancelFlags) {
        rw(IoUring.OP_ASYNC_CANCEL, -1, targetUserData, 0, 0);
        sqes.set(JAVA_INT, base + SQE_OP_FLAGS, cancelFlags);
        return this;
    }

    /** IORING_OP_ASYNC_CANCEL of every operation on {@code fd} (ASYNC_CANCEL_FD | ASYNC_CANCEL_ALL | extra flags). */
    public Sqe cancelFd(int fd, int extraCancelFlags) {
        rw(IoUring.OP_ASYNC_CANCEL, fd, 0, 0, 0);
        sqes.set(JAVA_INT, base + SQE_OP_FLAGS,
                IoUring.ASYNC_CANCEL_FD | IoUring.ASYNC_CANCEL_ALL | extraCancelFlags);
        return this;
    }

    /** IORING_OP_POLL_ADD (one shot) for {@code events} (POLLIN, POLLOUT...). */
    public Sqe pollAdd(int fd, int events) {
        rw(IoUring.OP_POLL_ADD, fd, 0, 0, 0);
        sqes.set(JAVA_INT, base + SQE_OP_FLAGS, events);
        return this;
    }

    /** IORING_OP_POLL_REMOVE of the poll submitted with {@code targetUserData}. */
    public Sqe pollRemove(long targetUserData) {
        rw(IoUring.OP_POLL_REMOVE, -1, targetUserData, 0, 0);
        return this;
    }

    // ---- modifiers --------------------------------------------------------------------------

    /** The value the completion carries back. The values -16..-1 are reserved for the ring itself. */
    public Sqe userData(long userData) {
        if (userData < 0 && userData >= Ring.RESERVED_USER_DATA_MIN) {
            throw new IllegalArgumentException("user data " + userData + " is reserved for the ring");
        }
        sqes.set(JAVA_LONG, base + SQE_USER_DATA, userData);
        return this;
    }

    /**
     * Sets IOSQE_* flags: FIXED_FILE, IO_DRAIN, IO_LINK, IO_HARDLINK, ASYNC. CQE_SKIP_SUCCESS and
     * BUFFER_SELECT are refused: the ring counts exactly one completion per submission.
     */
    public Sqe flags(int flags) {
        if ((flags & ~ALLOWED_FLAGS) != 0) {
            throw new IllegalArgumentException("unsupported SQE flags 0x" + Integer.toHexString(flags));
        }
        sqes.set(JAVA_BYTE, base + SQE_FLAGS, (byte) flags);
        return this;
    }

    /** Adds IOSQE_IO_LINK: the next SQE starts only after this one succeeds. */
    public Sqe link() {
        return addFlag(IoUring.IOSQE_IO_LINK);
    }

    /** Adds IOSQE_IO_HARDLINK: the next SQE starts after this one, even if it fails. */
    public Sqe hardLink() {
        return addFlag(IoUring.IOSQE_IO_HARDLINK);
    }

    /** Adds IOSQE_FIXED_FILE: the fd argument is an index into the ring's registered files. */
    public Sqe fixedFile() {
        return addFlag(IoUring.IOSQE_FIXED_FILE);
    }

    /** Adds IOSQE_ASYNC: go straight to an io-wq worker. */
    public Sqe async() {
        return addFlag(IoUring.IOSQE_ASYNC);
    }

    /** Adds IOSQE_IO_DRAIN: start only after everything submitted before has completed. */
    public Sqe ioDrain() {
        return addFlag(IoUring.IOSQE_IO_DRAIN);
    }

    /**
     * Sets sqe->addr to {@code value} as it is, for a URING_CMD whose driver reads a value there (ublk's
     * auto buffer registration descriptor).
     */
    public Sqe addr(long value) {
        sqes.set(JAVA_LONG, base + SQE_ADDR, value);
        return this;
    }

    /** I/O priority (ioprio_set encoding). */
    public Sqe ioprio(int ioprio) {
        sqes.set(JAVA_SHORT, base + SQE_IOPRIO, (short) ioprio);
        return this;
    }

    /** RWF_* flags of a read or write (e.g. {@link IoUring#RWF_DSYNC} for a FUA write). */
    public Sqe rwFlags(int rwFlags) {
        sqes.set(JAVA_INT, base + SQE_OP_FLAGS, rwFlags);
        return this;
    }

    /** uring_cmd_flags of a URING_CMD (e.g. {@link IoUring#URING_CMD_FIXED} with {@link #bufIndex(int)}). */
    public Sqe uringCmdFlags(int cmdFlags) {
        sqes.set(JAVA_INT, base + SQE_OP_FLAGS, cmdFlags);
        return this;
    }

    /**
     * Adds IOSQE_BUFFER_SELECT with buffer group {@code group}: the kernel picks a buffer from the
     * provided-buffer ring registered as that group ({@link Ring#registerBufferRing}) and names it in the
     * completion's flags. For a multishot command, whose completions carry CQE_F_MORE until the last one.
     */
    public Sqe bufferSelect(int group) {
        if (group < 0 || group > 0xFFFF) {
            throw new IllegalArgumentException("buffer group out of range: " + group);
        }
        sqes.set(JAVA_SHORT, base + SQE_BUF_INDEX, (short) group);
        return addFlag(IoUring.IOSQE_BUFFER_SELECT);
    }

    /** sqe->len, for a URING_CMD whose driver reads a length there. */
    public Sqe len(int len) {
        sqes.set(JAVA_INT, base + SQE_LEN, len);
        return this;
    }

    /** Registered buffer index (0..65535). */
    public Sqe bufIndex(int bufIndex) {
        if (bufIndex < 0 || bufIndex > 0xFFFF) {
            throw new IllegalArgumentException("buffer index out of range: " + bufIndex);
        }
        sqes.set(JAVA_SHORT, base + SQE_BUF_INDEX, (short) bufIndex);
        return this;
    }

    // ---- URING_CMD command area -------------------------------------------------------------

    /** This entry's command area (16 or 80 bytes at SQE byte 48), valid until the entry is submitted. */
    public MemorySegment cmd() {
        return cmdAreas[slot];
    }

    /** Size of the command area: 16, or 80 with 128-byte SQEs. */
    public int cmdSize() {
        return cmdSize;
    }

    /** Copies {@code command} (at most {@link #cmdSize()} bytes) to the start of the command area. */
    public Sqe cmd(MemorySegment command) {
        long size = command.byteSize();
        if (size > cmdSize) {
            throw new IllegalArgumentException("command of " + size + " bytes exceeds the " + cmdSize + "-byte area");
        }
        MemorySegment.copy(command, 0, sqes, base + SQE_CMD, size);
        return this;
    }

    public Sqe cmdByte(long offset, byte value) {
        sqes.set(JAVA_BYTE, cmdOffset(offset, 1), value);
        return this;
    }

    public Sqe cmdShort(long offset, short value) {
        sqes.set(JAVA_SHORT, cmdOffset(offset, 2), value);
        return this;
    }

    public Sqe cmdInt(long offset, int value) {
        sqes.set(JAVA_INT, cmdOffset(offset, 4), value);
        return this;
    }

    public Sqe cmdLong(long offset, long value) {
        sqes.set(JAVA_LONG, cmdOffset(offset, 8), value);
        return this;
    }

    // ---- internals --------------------------------------------------------------------------

    /** Sets user data without the reserved-range check, for the ring's own operations. */
    Sqe internalUserData(long userData) {
        sqes.set(JAVA_LONG, base + SQE_USER_DATA, userData);
        return this;
    }

    private Sqe addFlag(int flag) {
        long at = base + SQE_FLAGS;
        sqes.set(JAVA_BYTE, at, (byte) (sqes.get(JAVA_BYTE, at) | flag));
        return this;
    }

    private void rw(int opcode, int fd, long addr, int len, long offset) {
        sqes.set(JAVA_BYTE, base + SQE_OPCODE, (byte) opcode);
        sqes.set(JAVA_INT, base + SQE_FD, fd);
        sqes.set(JAVA_LONG, base + SQE_OFF, offset);
        sqes.set(JAVA_LONG, base + SQE_ADDR, addr);
        sqes.set(JAVA_INT, base + SQE_LEN, len);
    }

    private long cmdOffset(long offset, int size) {
        Objects.checkFromIndexSize(offset, size, cmdSize);
        return base + SQE_CMD + offset;
    }

    /** Writes a timespec into this slot's scratch space; the kernel copies it when it takes the SQE. */
    private long timespec(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("timeout must not be negative: " + nanos);
        }
        long at = (long) slot * TIMESPEC_SIZE;
        timespecs.set(JAVA_LONG, at + TIMESPEC_SEC, nanos / NANOS_PER_SECOND);
        timespecs.set(JAVA_LONG, at + TIMESPEC_NSEC, nanos % NANOS_PER_SECOND);
        return timespecs.address() + at;
    }

    private static long registeredOffset(long offset, int len) {
        if (offset < 0 || len < 0) {
            throw new IllegalArgumentException("negative offset or length: " + offset + ", " + len);
        }
        return offset;
    }

    static long address(MemorySegment buf, long offset, int len) {
        if (!buf.isNative()) {
            throw new IllegalArgumentException("the kernel needs native memory, got a heap segment");
        }
        if (len < 0) {
            throw new IllegalArgumentException("negative length: " + len);
        }
        Objects.checkFromIndexSize(offset, len, buf.byteSize());
        if (!buf.scope().isAlive()) {
            throw new IllegalStateException("the buffer's arena is already closed");
        }
        return buf.address() + offset;
    }
}
