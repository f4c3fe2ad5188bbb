package io.jublk.target.rbd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * librados' and librbd's C API (Ceph 16.2), through FFM: only the calls the rbd target makes. Loaded on
 * first use of {@link #get()}, so a container without librbd starts and says why {@code rbd} is unavailable
 * ({@link #problem()}). Handles ({@code rados_t}, {@code rados_ioctx_t}, {@code rbd_image_t},
 * {@code rbd_completion_t}) are passed as addresses; a completion and a callback argument as plain longs,
 * so the hot path makes no segment objects.
 */
final class Librbd {
    /** librbd.h: {@code RBD_LOCK_MODE_EXCLUSIVE}. */
    static final int LOCK_MODE_EXCLUSIVE = 0;
    /** librbd.h: {@code RBD_FEATURE_EXCLUSIVE_LOCK}. */
    static final long FEATURE_EXCLUSIVE_LOCK = 1L << 2;

    /** System properties naming the libraries to load instead of librados.so.2 and librbd.so.1. */
    static final String LIBRADOS_PROPERTY = "jublk.librados";
    static final String LIBRBD_PROPERTY = "jublk.librbd";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final List<String> PROBLEMS = new ArrayList<>();
    private static volatile Librbd instance;

    final MethodHandle radosCreate2;
    final MethodHandle radosConfReadFile;
    final MethodHandle radosConfSet;
    final MethodHandle radosConnect;
    final MethodHandle radosShutdown;
    final MethodHandle radosClusterFsid;
    final MethodHandle radosGetInstanceId;
    final MethodHandle radosIoctxCreate;
    final MethodHandle radosIoctxDestroy;
    final MethodHandle open;
    final MethodHandle openReadOnly;
    final MethodHandle close;
    final MethodHandle getSize;
    final MethodHandle getFeatures;
    final MethodHandle stat;
    final MethodHandle aioCreateCompletion;
    final MethodHandle aioRead;
    final MethodHandle aioWrite;
    final MethodHandle aioFlush;
    final MethodHandle aioDiscard;
    final MethodHandle aioWriteZeroes;
    final MethodHandle aioGetReturnValue;
    final MethodHandle aioRelease;
    final MethodHandle lockAcquire;
    final MethodHandle lockRelease;
    final MethodHandle lockGetOwners;
    final MethodHandle lockGetOwnersCleanup;
    final MethodHandle lockBreak;
    final MethodHandle isExclusiveLockOwner;
    final MethodHandle metadataGet;
    final MethodHandle metadataSet;

    private Librbd(SymbolLookup rados, SymbolLookup rbd) {
        radosCreate2 = handle(rados, "rados_create2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS,
                JAVA_LONG));
        radosConfReadFile = handle(rados, "rados_conf_read_file", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        radosConfSet = handle(rados, "rados_conf_set", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        radosConnect = handle(rados, "rados_connect", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        radosShutdown = handle(rados, "rados_shutdown", FunctionDescriptor.ofVoid(ADDRESS));
        radosClusterFsid = handle(rados, "rados_cluster_fsid", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                JAVA_LONG));
        radosGetInstanceId = handle(rados, "rados_get_instance_id", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        radosIoctxCreate = handle(rados, "rados_ioctx_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                ADDRESS));
        radosIoctxDestroy = handle(rados, "rados_ioctx_destroy", FunctionDescriptor.ofVoid(ADDRESS));
        open = handle(rbd, "rbd_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        openReadOnly = handle(rbd, "rbd_open_read_only", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS,
                ADDRESS));
        close = handle(rbd, "rbd_close", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getSize = handle(rbd, "rbd_get_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getFeatures = handle(rbd, "rbd_get_features", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        stat = handle(rbd, "rbd_stat", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        aioCreateCompletion = handle(rbd, "rbd_aio_create_completion", FunctionDescriptor.of(JAVA_INT, JAVA_LONG,
                ADDRESS, ADDRESS));
        aioRead = handle(rbd, "rbd_aio_read", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG,
                ADDRESS, JAVA_LONG));
        aioWrite = handle(rbd, "rbd_aio_write", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG,
                ADDRESS, JAVA_LONG));
        aioFlush = handle(rbd, "rbd_aio_flush", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        aioDiscard = handle(rbd, "rbd_aio_discard", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG,
                JAVA_LONG));
        aioWriteZeroes = handle(rbd, "rbd_aio_write_zeroes", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT));
        aioGetReturnValue = handle(rbd, "rbd_aio_get_return_value", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
        aioRelease = handle(rbd, "rbd_aio_release", FunctionDescriptor.ofVoid(JAVA_LONG));
        lockAcquire = handle(rbd, "rbd_lock_acquire", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        lockRelease = handle(rbd, "rbd_lock_release", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        lockGetOwners = handle(rbd, "rbd_lock_get_owners", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                ADDRESS, ADDRESS));
        lockGetOwnersCleanup = handle(rbd, "rbd_lock_get_owners_cleanup", FunctionDescriptor.ofVoid(ADDRESS,
                JAVA_LONG));
        lockBreak = handle(rbd, "rbd_lock_break", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        isExclusiveLockOwner = handle(rbd, "rbd_is_exclusive_lock_owner", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS));
        metadataGet = handle(rbd, "rbd_metadata_get", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS,
                ADDRESS));
        metadataSet = handle(rbd, "rbd_metadata_set", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }

    /**
     * The binding, loading librados and librbd on first call.
     *
     * @throws IllegalStateException with a one-line reason when they cannot be loaded
     */
    static Librbd get() {
        Librbd lib = instance;
        if (lib != null) {
            return lib;
        }
        synchronized (Librbd.class) {
            if (instance == null && PROBLEMS.isEmpty()) {
                instance = load();
            }
            if (instance == null) {
                throw new IllegalStateException(PROBLEMS.getFirst());
            }
            return instance;
        }
    }

    /** Why librbd cannot be used, or null when it can (loads it to find out). */
    static String problem() {
        try {
            get();
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    private static Librbd load() {
        SymbolLookup rados = library(System.getProperty(LIBRADOS_PROPERTY, "librados.so.2"));
        SymbolLookup rbd = library(System.getProperty(LIBRBD_PROPERTY, "librbd.so.1"));
        if (rados == null || rbd == null) {
            return null;
        }
        Librbd lib = new Librbd(rados, rbd);
        return PROBLEMS.isEmpty() ? lib : null;
    }

    private static SymbolLookup library(String name) {
        try {
            return SymbolLookup.libraryLookup(name, Arena.global());
        } catch (IllegalArgumentException e) {
            PROBLEMS.add(name + " not found: install librbd1 (Debian/Ubuntu: apt install librbd1), or point -D"
                    + LIBRBD_PROPERTY + " and -D" + LIBRADOS_PROPERTY + " at the libraries");
            return null;
        }
    }

    private static MethodHandle handle(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lookup.find(name).orElse(null);
        if (symbol == null) {
            PROBLEMS.add("librbd/librados has no " + name + " (Ceph 16.2 or later is needed)");
            return null;
        }
        return LINKER.downcallHandle(symbol, descriptor);
    }

    /** Makes a native pointer to {@code target}, a static method taking (long, long), for the life of the process. */
    static MemorySegment upcall(MethodHandle target) {
        return LINKER.upcallStub(target, FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG), Arena.global());
    }

    static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
