package io.jublk.core.queue;

import io.jublk.core.uapi.IoCmd;
import io.jublk.core.uapi.IoDesc;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** The ublk driver itself: descriptors mapped from /dev/ublkcN, commands as uring_cmd on its fixed file. */
final class KernelChannel implements UblkChannel {
    /** The fixed-file slot of /dev/ublkcN in the queue's ring. */
    static final int UBLKC_FILE = 0;

    private final QueueSpec spec;
    private final int charFd;
    private final Arena arena = Arena.ofShared();
    private MemorySegment descriptors;

    KernelChannel(QueueSpec spec, int charFd) {
        this.spec = spec;
        this.charFd = charFd;
    }

    @Override
    public void open() throws ErrnoException {
        descriptors = mapDescriptors(spec, charFd, arena);
    }

    /** Maps the queue's descriptor array from /dev/ublkcN, read-only, until {@code arena} closes. */
    static MemorySegment mapDescriptors(QueueSpec spec, int charFd, Arena arena) throws ErrnoException {
        long page = Linux.pageSize();
        return Linux.mmap(IoDesc.mmapLength(spec.depth(), page), Linux.PROT_READ,
                Linux.MAP_SHARED | Linux.MAP_POPULATE, charFd, IoDesc.mmapOffset(spec.queueId(), page), arena);
    }

    @Override
    public MemorySegment descriptors() {
        return descriptors;
    }

    @Override
    public void queueCommand(Ring ring, int cmdOp, int tag, int result, long bufferAddress) {
        var sqe = ring.sqe().uringCmd(UBLKC_FILE, cmdOp).fixedFile().userData(UserData.command(tag));
        IoCmd.write(sqe.cmd(), spec.queueId(), tag, result, bufferAddress);
        if (spec.zeroCopy()) {
            // AUTO_BUF_REG: the request's pages go to slot `tag` of the ring's buffer table
            sqe.addr(IoCmd.autoBufReg(tag, spec.userCopy() ? IoCmd.AUTO_BUF_REG_FALLBACK : 0));
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
