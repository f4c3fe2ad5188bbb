package io.jublk.uring;

import io.jublk.uring.sys.AlignedMemory;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.Assume;

/** Finds a directory whose filesystem accepts O_DIRECT, or skips the test saying so. */
final class TestFiles {
    private static Path directDir;
    private static String whyNot;

    private TestFiles() {
    }

    static synchronized Path directIoDir() {
        if (directDir == null && whyNot == null) {
            StringBuilder tried = new StringBuilder();
            for (Path candidate : new Path[] {Paths.get(System.getProperty("java.io.tmpdir")),
                    Paths.get("target").toAbsolutePath()}) {
                String problem = tryDirect(candidate);
                if (problem == null) {
                    directDir = candidate;
                    break;
                }
                tried.append(candidate).append(": ").append(problem).append("; ");
            }
            if (directDir == null) {
                whyNot = "no directory supports O_DIRECT (" + tried + ")";
            }
        }
        Assume.assumeTrue(whyNot, directDir != null);
        return directDir;
    }

    /** A new empty file for O_DIRECT I/O, deleted at JVM exit. */
    static Path newFile(String prefix) throws IOException {
        Path file = Files.createTempFile(directIoDir(), prefix, ".img");
        file.toFile().deleteOnExit();
        return file;
    }

    static int openDirect(Path file) throws ErrnoException {
        return Linux.open(file.toString(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
    }

    private static String tryDirect(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, "odirect", ".probe");
            try (Arena arena = Arena.ofConfined()) {
                int fd = Linux.open(probe.toString(), Linux.O_RDWR | Linux.O_DIRECT | Linux.O_CLOEXEC);
                try {
                    MemorySegment page = AlignedMemory.allocate(arena, 4096);
                    Linux.pwrite(fd, page, 0);
                    Linux.pread(fd, page, 0);
                } finally {
                    Linux.close(fd);
                }
            } finally {
                Files.deleteIfExists(probe);
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }
}
