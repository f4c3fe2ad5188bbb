package io.jublk.uring.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The Linux syscalls jublk needs, as static methods over libc. Failures throw {@link ErrnoException}
 * naming the errno. Memory arguments must be native segments; lengths come from the segment.
 * Calls that take a path allocate; so may the others, a little, because capturing errno slices a
 * buffer per call (C2 usually, not always, removes it): keep them off per-I/O paths.
 * {@link #eventfdWrite(int, long)} does not capture errno and is allocation-free.
 */
public final class Linux {
    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));

    // open(2) flags. O_DIRECT and O_DIRECTORY differ between x86_64 and aarch64.
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DSYNC = 010000;
    public static final int O_DIRECT = AARCH64 ? 0200000 : 040000;
    public static final int O_DIRECTORY = AARCH64 ? 040000 : 0200000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_SYNC = 04010000;

    // mmap(2)
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;

    // eventfd(2)
    public static final int EFD_SEMAPHORE = 1;
    public static final int EFD_NONBLOCK = 04000;
    public static final int EFD_CLOEXEC = 02000000;

    // fallocate(2) modes
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    // fcntl(2) open file description locks: owned by the open file, not the process, so closing another fd
    // of the same file does not drop them (POSIX record locks, FileChannel.lock's, would be dropped)
    public static final int F_OFD_GETLK = 36;
    public static final int F_OFD_SETLK = 37;
    public static final short F_RDLCK = 0;
    public static final short F_WRLCK = 1;
    public static final short F_UNLCK = 2;

    // prctl(2)
    public static final int PR_SET_IO_FLUSHER = 57;
    public static final int PR_GET_IO_FLUSHER = 58;

    // Block device ioctls: _IOR(0x12, 114, size_t), _IO(0x12, 104), _IO(0x12, 123).
    public static final long BLKGETSIZE64 = 0x80081272L;
    public static final long BLKSSZGET = 0x1268L;
    public static final long BLKPBSZGET = 0x127bL;

    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int STATX_SIZE = 256;
    private static final int SC_PAGESIZE = 30;
    private static final long MAP_FAILED = -1L;

    private static final long PAGE_SIZE = sysconfPageSize();

    private Linux() {
    }

    /** open(2). Returns the new fd. */
    public static int open(String path, int flags, int mode) throws ErrnoException {
        Objects.requireNonNull(path, "path");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state();
            int fd = (int) Libc.OPEN.invokeExact(state, arena.allocateFrom(path), flags, mode);
            return fd >= 0 ? fd : fail("open " + path, state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** open(2) without O_CREAT. */
    public static int open(String path, int flags) throws ErrnoException {
        return open(path, flags, 0);
    }

    public static void close(int fd) throws ErrnoException {
        try {
            MemorySegment state = Libc.state();
            if ((int) Libc.CLOSE.invokeExact(state, fd) != 0) {
                fail("close " + fd, state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** pread(2) into all of {@code buf}. Returns bytes read (0 at end of file). */
    public static long pread(int fd, MemorySegment buf, long fileOffset) throws ErrnoException {
        requireNative(buf);
        try {
            MemorySegment state = Libc.state();
            long n = (long) Libc.PREAD.invokeExact(state, fd, buf, buf.byteSize(), fileOffset);
            return n >= 0 ? n : fail("pread", state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** pwrite(2) of all of {@code buf}. Returns bytes written. */
    public static long pwrite(int fd, MemorySegment buf, long fileOffset) throws ErrnoException {
        requireNative(buf);
        try {
            MemorySegment state = Libc.state();
            long n = (long) Libc.PWRITE.invokeExact(state, fd, buf, buf.byteSize(), fileOffset);
            return n >= 0 ? n : fail("pwrite", state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** read(2) into {@code buf}. */
    public static long read(int fd, MemorySegment buf) throws ErrnoException {
        requireNative(buf);
        try {
            MemorySegment state = Libc.state();
            long n = (long) Libc.READ.invokeExact(state, fd, buf, buf.byteSize());
            return n >= 0 ? n : fail("read", state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** write(2) of {@code buf}. */
    public static long write(int fd, MemorySegment buf) throws ErrnoException {
        requireNative(buf);
        try {
            MemorySegment state = Libc.state();
            long n = (long) Libc.WRITE.invokeExact(state, fd, buf, buf.byteSize());
            return n >= 0 ? n : fail("write", state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** File size, type and device numbers (statx with AT_EMPTY_PATH). */
    public static FileStat fstat(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(STATX_SIZE, 8);
            MemorySegment state = Libc.state();
            int rc = (int) Libc.STATX.invokeExact(state, fd, arena.allocateFrom(""), AT_EMPTY_PATH,
                    STATX_BASIC_STATS, buf);
            if (rc != 0) {
                fail("fstat " + fd, state);
            }
            return new FileStat(buf.get(JAVA_LONG, 40), Short.toUnsignedInt(buf.get(JAVA_SHORT, 28)),
                    buf.get(JAVA_INT, 4), buf.get(JAVA_INT, 128), buf.get(JAVA_INT, 132));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** ioctl(2) with a pointer argument. Returns the ioctl's non-negative result. */
    public static int ioctl(int fd, long request, MemorySegment arg) throws ErrnoException {
        requireNative(arg);
        try {
            MemorySegment state = Libc.state();
            int rc = (int) Libc.IOCTL_PTR.invokeExact(state, fd, request, arg);
            return rc >= 0 ? rc : fail("ioctl 0x" + Long.toHexString(request), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Size in bytes of a block device (BLKGETSIZE64). */
    public static long blockDeviceSize(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            ioctl(fd, BLKGETSIZE64, out);
            return out.get(JAVA_LONG, 0);
        }
    }

    /** Logical sector size of a block device (BLKSSZGET). */
    public static int logicalBlockSize(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            ioctl(fd, BLKSSZGET, out);
            return out.get(JAVA_INT, 0);
        }
    }

    /** Physical sector size of a block device (BLKPBSZGET). */
    public static int physicalBlockSize(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            ioctl(fd, BLKPBSZGET, out);
            return out.get(JAVA_INT, 0);
        }
    }

    /**
     * mmap(2) of {@code length} bytes, unmapped when {@code arena} closes. Tying the mapping to an
     * arena makes any access after the unmap throw instead of crashing the JVM.
     */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, Arena arena)
            throws ErrnoException {
        Objects.requireNonNull(arena, "arena");
        if (length <= 0) {
            throw new IllegalArgumentException("mmap length must be positive: " + length);
        }
        try {
            MemorySegment state = Libc.state();
            MemorySegment p = (MemorySegment) Libc.MMAP.invokeExact(state, MemorySegment.NULL, length, prot,
                    flags, fd, offset);
            if (p.address() == MAP_FAILED) {
                fail("mmap", state);
            }
            return p.reinterpret(length, arena, Linux::unmapQuietly);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static void unmapQuietly(MemorySegment mapping) {
        try {
            int ignored = (int) Libc.MUNMAP.invokeExact(Libc.state(), mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** prctl(2) with four further arguments. Returns prctl's result. */
    public static int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws ErrnoException {
        try {
            MemorySegment state = Libc.state();
            int rc = (int) Libc.PRCTL.invokeExact(state, option, arg2, arg3, arg4, arg5);
            return rc >= 0 ? rc : fail("prctl " + option, state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Marks the calling thread as an I/O flusher (PR_SET_IO_FLUSHER), so memory reclaim does not
     * recurse into the block device this thread serves. Needs CAP_SYS_RESOURCE.
     */
    public static void setIoFlusher(boolean on) throws ErrnoException {
        prctl(PR_SET_IO_FLUSHER, on ? 1 : 0, 0, 0, 0);
    }

    /** The calling thread's kernel task id. */
    public static int gettid() {
        try {
            return (int) Libc.GETTID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int getpid() {
        try {
            return (int) Libc.GETPID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** eventfd(2). Returns the new fd. */
    public static int eventfd(int initialValue, int flags) throws ErrnoException {
        try {
            MemorySegment state = Libc.state();
            int fd = (int) Libc.EVENTFD.invokeExact(state, initialValue, flags);
            return fd >= 0 ? fd : fail("eventfd", state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Adds {@code value} to an eventfd counter (eventfd_write). Allocation-free on success, unlike
     * the errno-capturing calls, so it suits wake-ups on hot paths.
     */
    public static void eventfdWrite(int fd, long value) throws ErrnoException {
        int rc;
        try {
            rc = (int) Libc.EVENTFD_WRITE.invokeExact(fd, value);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (rc != 0) {
            // Rare: repeat as a capturing write(2) to learn the errno.
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(JAVA_LONG);
                buf.set(JAVA_LONG, 0, value);
                write(fd, buf);
            }
        }
    }

    public static void fallocate(int fd, int mode, long offset, long length) throws ErrnoException {
        try {
            MemorySegment state = Libc.state();
            if ((int) Libc.FALLOCATE.invokeExact(state, fd, mode, offset, length) != 0) {
                fail("fallocate", state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static void fsync(int fd) throws ErrnoException {
        try {
            MemorySegment state = Libc.state();
            if ((int) Libc.FSYNC.invokeExact(state, fd) != 0) {
                fail("fsync", state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static void fdatasync(int fd) throws ErrnoException {
        try {
            MemorySegment state = Libc.state();
            if ((int) Libc.FDATASYNC.invokeExact(state, fd) != 0) {
                fail("fdatasync", state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * fcntl(F_OFD_SETLK): takes (or with {@link #F_UNLCK} drops) a lock of {@code type} on {@code len} bytes
     * at {@code start} for {@code fd}'s open file description. False when another open file holds a
     * conflicting lock; other failures (EINVAL or ENOLCK where the file system has no such locks) throw.
     */
    public static boolean ofdLock(int fd, short type, long start, long len) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flock = flock(arena, type, start, len);
            MemorySegment state = Libc.state();
            if ((int) Libc.FCNTL_PTR.invokeExact(state, fd, F_OFD_SETLK, flock) == 0) {
                return true;
            }
            int errno = Libc.errno(state);
            if (errno == Errno.EAGAIN.number() || errno == Errno.EACCES.number()) {
                return false;
            }
            throw new ErrnoException("fcntl F_OFD_SETLK", errno);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** fcntl(F_OFD_GETLK): whether another open file holds a lock that conflicts with {@code type} there. */
    public static boolean ofdLockConflicts(int fd, short type, long start, long len) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flock = flock(arena, type, start, len);
            MemorySegment state = Libc.state();
            if ((int) Libc.FCNTL_PTR.invokeExact(state, fd, F_OFD_GETLK, flock) != 0) {
                fail("fcntl F_OFD_GETLK", state);
            }
            return flock.get(JAVA_SHORT, 0) != F_UNLCK;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** struct flock (x86_64 and aarch64): l_type, l_whence, l_start at 8, l_len at 16, l_pid at 24 (0 for OFD). */
    private static MemorySegment flock(Arena arena, short type, long start, long len) {
        MemorySegment flock = arena.allocate(32, 8);
        flock.set(JAVA_SHORT, 0, type);
        flock.set(JAVA_SHORT, 2, (short) 0); // SEEK_SET
        flock.set(JAVA_LONG, 8, start);
        flock.set(JAVA_LONG, 16, len);
        return flock;
    }

    /** pipe2(2). Returns {read end, write end}. */
    public static int[] pipe(int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            MemorySegment state = Libc.state();
            if ((int) Libc.PIPE2.invokeExact(state, fds, flags) != 0) {
                fail("pipe2", state);
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The system page size; O_DIRECT buffers are aligned to it. */
    public static long pageSize() {
        return PAGE_SIZE;
    }

    private static long sysconfPageSize() {
        try {
            long size = (long) Libc.SYSCONF.invokeExact(SC_PAGESIZE);
            return size > 0 ? size : 4096;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static void requireNative(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative()) {
            throw new IllegalArgumentException("the kernel needs native memory, got a heap segment");
        }
    }

    private static int fail(String operation, MemorySegment state) throws ErrnoException {
        throw new ErrnoException(operation, Libc.errno(state));
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
