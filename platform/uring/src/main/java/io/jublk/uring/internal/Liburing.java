package io.jublk.uring.internal;

import static io.jublk.uring.internal.IoUringLayout.PROBE_HEADER_SIZE;
import static io.jublk.uring.internal.IoUringLayout.PROBE_OPS_LEN;
import static io.jublk.uring.internal.IoUringLayout.PROBE_OP_FLAGS;
import static io.jublk.uring.internal.IoUringLayout.PROBE_OP_SIZE;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * liburing (2.3 or later) through FFM. Every function used here returns {@code -errno} on failure
 * rather than setting errno, and so do these wrappers. The library is looked up once; if it cannot be
 * loaded, {@link #unavailableReason()} says why and the wrappers must not be called.
 */
public final class Liburing {
    /** System property naming the library file or path to load instead of the defaults. */
    public static final String LIBRARY_PROPERTY = "jublk.liburing";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final String[] DEFAULT_NAMES = {"liburing.so.2", "liburing.so"};
    /** io_uring_register opcode IORING_REGISTER_ENABLE_RINGS. */
    public static final int REGISTER_ENABLE_RINGS = 12;
    /** io_uring_register opcode IORING_REGISTER_PBUF_RING (5.19+): a ring of provided buffers. */
    public static final int REGISTER_PBUF_RING = 22;
    private static final int PROBE_MAX_OPS = 256;

    private static final String[] LOADED_FROM = new String[1];
    private static final List<String> PROBLEMS = new ArrayList<>();
    private static final SymbolLookup LIB = load();

    private static final MethodHandle QUEUE_INIT_PARAMS = handle("io_uring_queue_init_params",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle QUEUE_EXIT = handle("io_uring_queue_exit",
            FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle ENTER = handle("io_uring_enter",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle ENTER2 = handle("io_uring_enter2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle REGISTER_FILES = handle("io_uring_register_files",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle REGISTER_FILES_UPDATE = handle("io_uring_register_files_update",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle UNREGISTER_FILES = handle("io_uring_unregister_files",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle REGISTER_BUFFERS = handle("io_uring_register_buffers",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle REGISTER_BUFFERS_SPARSE = handle("io_uring_register_buffers_sparse",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle REGISTER_BUFFERS_UPDATE_TAG = handle("io_uring_register_buffers_update_tag",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle UNREGISTER_BUFFERS = handle("io_uring_unregister_buffers",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle REGISTER_PROBE = handle("io_uring_register_probe",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle REGISTER_RING_FD = handle("io_uring_register_ring_fd",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // Raw io_uring_register(2): 2.3 declares io_uring_enable_rings but does not export it.
    private static final MethodHandle REGISTER = handle("io_uring_register",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    private Liburing() {
    }

    /** Null when liburing and all functions used here were found, otherwise what is missing and how to fix it. */
    public static String unavailableReason() {
        return PROBLEMS.isEmpty() ? null : String.join("; ", PROBLEMS);
    }

    /** The library name or path that was loaded, or null. */
    public static String loadedFrom() {
        return LOADED_FROM[0];
    }

    public static int queueInitParams(int entries, MemorySegment ring, MemorySegment params) {
        try {
            return (int) QUEUE_INIT_PARAMS.invokeExact(entries, ring, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void queueExit(MemorySegment ring) {
        try {
            QUEUE_EXIT.invokeExact(ring);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** io_uring_enter without a signal mask. */
    public static int enter(int fd, int toSubmit, int minComplete, int flags) {
        try {
            return (int) ENTER.invokeExact(fd, toSubmit, minComplete, flags, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** io_uring_enter2 with an extended argument (IORING_ENTER_EXT_ARG: {@code struct io_uring_getevents_arg}). */
    public static int enter2(int fd, int toSubmit, int minComplete, int flags, MemorySegment arg, long argSize) {
        try {
            return (int) ENTER2.invokeExact(fd, toSubmit, minComplete, flags, arg, argSize);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int registerFiles(MemorySegment ring, int[] fds) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) REGISTER_FILES.invokeExact(ring, arena.allocateFrom(JAVA_INT, fds), fds.length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int updateRegisteredFile(MemorySegment ring, int index, int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) REGISTER_FILES_UPDATE.invokeExact(ring, index, arena.allocateFrom(JAVA_INT, fd), 1);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int unregisterFiles(MemorySegment ring) {
        try {
            return (int) UNREGISTER_FILES.invokeExact(ring);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Registers {@code count} buffers described by a {@code struct iovec} array. */
    public static int registerBuffers(MemorySegment ring, MemorySegment iovecs, int count) {
        try {
            return (int) REGISTER_BUFFERS.invokeExact(ring, iovecs, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Registers a table of {@code count} empty buffer slots (IORING_REGISTER_BUFFERS2, RSRC_REGISTER_SPARSE). */
    public static int registerBuffersSparse(MemorySegment ring, int count) {
        try {
            return (int) REGISTER_BUFFERS_SPARSE.invokeExact(ring, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Replaces {@code count} registered buffers from slot {@code offset} on with {@code iovecs} (no tags). */
    public static int updateRegisteredBuffers(MemorySegment ring, int offset, MemorySegment iovecs, int count) {
        try {
            return (int) REGISTER_BUFFERS_UPDATE_TAG.invokeExact(ring, offset, iovecs, MemorySegment.NULL, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int unregisterBuffers(MemorySegment ring) {
        try {
            return (int) UNREGISTER_BUFFERS.invokeExact(ring);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Registers the ring fd with the calling thread; returns 1 on success. */
    public static int registerRingFd(MemorySegment ring) {
        try {
            return (int) REGISTER_RING_FD.invokeExact(ring);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Enables a ring created with IORING_SETUP_R_DISABLED. */
    public static int enableRings(int ringFd) {
        try {
            return (int) REGISTER.invokeExact(ringFd, REGISTER_ENABLE_RINGS, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Registers a provided-buffer ring described by a {@code struct io_uring_buf_reg} (40 bytes). */
    public static int registerBufferRing(int ringFd, MemorySegment reg) {
        try {
            return (int) REGISTER.invokeExact(ringFd, REGISTER_PBUF_RING, reg, 1);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Which opcodes the kernel supports, indexed by opcode, or null when it cannot be probed. */
    public static boolean[] probeOps(MemorySegment ring) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment probe = arena.allocate(PROBE_HEADER_SIZE + (long) PROBE_MAX_OPS * PROBE_OP_SIZE, 8);
            int rc = (int) REGISTER_PROBE.invokeExact(ring, probe, PROBE_MAX_OPS);
            if (rc < 0) {
                return null;
            }
            int len = Byte.toUnsignedInt(probe.get(JAVA_BYTE, PROBE_OPS_LEN));
            boolean[] ops = new boolean[len];
            for (int i = 0; i < len; i++) {
                long at = PROBE_HEADER_SIZE + (long) i * PROBE_OP_SIZE + PROBE_OP_FLAGS;
                ops[i] = (probe.get(JAVA_SHORT, at) & 1) != 0; // IO_URING_OP_SUPPORTED
            }
            return ops;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    private static SymbolLookup load() {
        String override = System.getProperty(LIBRARY_PROPERTY);
        String[] names = override != null ? new String[] {override} : DEFAULT_NAMES;
        List<String> failures = new ArrayList<>();
        for (String name : names) {
            try {
                SymbolLookup lookup = SymbolLookup.libraryLookup(name, Arena.global());
                LOADED_FROM[0] = name;
                return lookup;
            } catch (IllegalArgumentException e) {
                failures.add(name);
            }
        }
        PROBLEMS.add("liburing not found (tried " + String.join(", ", failures)
                + "); install liburing 2.3 or later (Debian/Ubuntu: apt install liburing2)"
                + " or point -D" + LIBRARY_PROPERTY + " at it");
        return null;
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        if (LIB == null) {
            return null;
        }
        MemorySegment symbol = LIB.find(name).orElse(null);
        if (symbol == null) {
            PROBLEMS.add(LOADED_FROM[0] + " has no " + name + " (liburing 2.3 or later is needed)");
            return null;
        }
        return LINKER.downcallHandle(symbol, descriptor);
    }
}
