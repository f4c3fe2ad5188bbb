package io.jublk.uring;

import static io.jublk.uring.internal.IoUringLayout.IOVEC_BASE;
import static io.jublk.uring.internal.IoUringLayout.IOVEC_LEN;
import static io.jublk.uring.internal.IoUringLayout.IOVEC_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.jublk.uring.internal.Liburing;
import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The files, buffers and buffer rings registered with one ring: checks that the calling thread may set the
 * ring up ({@link RingOwnership#checkSetupAccess()}), validates arguments, talks to liburing and keeps
 * registered buffers reachable.
 */
final class RegisteredResources {
    /** sizeof(struct io_uring_buf_reg): ring_addr u64, ring_entries u32, bgid u16, flags u16, resv u64[3]. */
    private static final long BUF_REG_SIZE = 40;

    private final MemorySegment struct;
    private final int ringFd;
    private final Arena memory;
    private final RingOwnership ownership;
    private MemorySegment[] registeredBuffers = new MemorySegment[0];
    private int registeredFiles;

    RegisteredResources(MemorySegment struct, int ringFd, Arena memory, RingOwnership ownership) {
        this.struct = struct;
        this.ringFd = ringFd;
        this.memory = memory;
        this.ownership = ownership;
    }

    void registerFiles(int... fds) throws ErrnoException {
        ownership.checkSetupAccess();
        if (fds.length == 0 || fds.length > IoUring.MAX_ENTRIES) {
            throw new IllegalArgumentException("register 1.." + IoUring.MAX_ENTRIES + " files: " + fds.length);
        }
        ErrnoException.check(Liburing.registerFiles(struct, fds), "io_uring_register_files");
        registeredFiles = fds.length;
    }

    void updateRegisteredFile(int index, int fd) throws ErrnoException {
        ownership.checkSetupAccess();
        Objects.checkIndex(index, registeredFiles);
        ErrnoException.check(Liburing.updateRegisteredFile(struct, index, fd), "io_uring_register_files_update");
    }

    void unregisterFiles() throws ErrnoException {
        ownership.checkSetupAccess();
        ErrnoException.check(Liburing.unregisterFiles(struct), "io_uring_unregister_files");
        registeredFiles = 0;
    }

    void registerBuffers(MemorySegment... buffers) throws ErrnoException {
        ownership.checkSetupAccess();
        if (buffers.length == 0 || buffers.length > IoUring.MAX_REGISTERED_BUFFERS) {
            throw new IllegalArgumentException("register 1.." + IoUring.MAX_REGISTERED_BUFFERS + " buffers: "
                    + buffers.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            ErrnoException.check(Liburing.registerBuffers(struct, iovecs(arena, buffers), buffers.length),
                    "io_uring_register_buffers");
        }
        registeredBuffers = buffers.clone(); // keeps automatic arenas from freeing them while registered
    }

    void registerBuffersSparse(int count) throws ErrnoException {
        ownership.checkSetupAccess();
        if (count <= 0 || count > IoUring.MAX_REGISTERED_BUFFERS) {
            throw new IllegalArgumentException("register 1.." + IoUring.MAX_REGISTERED_BUFFERS + " buffer slots: "
                    + count);
        }
        ErrnoException.check(Liburing.registerBuffersSparse(struct, count), "io_uring_register_buffers_sparse");
        registeredBuffers = new MemorySegment[count];
    }

    void updateRegisteredBuffer(int index, MemorySegment buffer) throws ErrnoException {
        ownership.checkSetupAccess();
        Objects.checkIndex(index, registeredBuffers.length);
        try (Arena arena = Arena.ofConfined()) {
            ErrnoException.check(Liburing.updateRegisteredBuffers(struct, index, iovecs(arena, buffer), 1),
                    "io_uring_register_buffers_update_tag");
        }
        registeredBuffers[index] = buffer;
    }

    void unregisterBuffers() throws ErrnoException {
        ownership.checkSetupAccess();
        ErrnoException.check(Liburing.unregisterBuffers(struct), "io_uring_unregister_buffers");
        registeredBuffers = new MemorySegment[0];
    }

    BufferRing registerBufferRing(int group, int count) throws ErrnoException {
        ownership.checkSetupAccess();
        if (count < 1 || count > 32768 || Integer.bitCount(count) != 1 || group < 0 || group > 0xFFFF) {
            throw new IllegalArgumentException("buffer ring of " + count + " entries as group " + group);
        }
        MemorySegment entries = AlignedMemory.allocate(memory, (long) count * BufferRing.ENTRY_SIZE);
        MemorySegment reg = memory.allocate(BUF_REG_SIZE, 8);
        reg.set(JAVA_LONG, 0, entries.address());
        reg.set(JAVA_INT, 8, count);
        reg.set(JAVA_SHORT, 12, (short) group);
        ErrnoException.check(Liburing.registerBufferRing(ringFd, reg), "io_uring_register(PBUF_RING)");
        return new BufferRing(entries, group, count);
    }

    private static MemorySegment iovecs(Arena arena, MemorySegment... buffers) {
        MemorySegment iovecs = arena.allocate((long) IOVEC_SIZE * buffers.length, 8);
        for (int i = 0; i < buffers.length; i++) {
            long size = buffers[i].byteSize();
            iovecs.set(JAVA_LONG, (long) IOVEC_SIZE * i + IOVEC_BASE,
                    Sqe.address(buffers[i], 0, (int) Math.min(size, Integer.MAX_VALUE)));
            iovecs.set(JAVA_LONG, (long) IOVEC_SIZE * i + IOVEC_LEN, size);
        }
        return iovecs;
    }
}
