package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opening images and their backing chains; errors as one-line {@link Qcow2Exception}s. */
public final class Images {
    /** Longest backing chain followed; deeper chains are most likely loops. */
    static final int MAX_CHAIN = 16;

    private Images() {
    }

    /**
     * The L2 cache of an image unless told otherwise: 32 MiB, QEMU's default (with 64 KiB clusters, 256 GiB of disk).
     * Tables are loaded as used, so a smaller disk never fills it.
     */
    public static final int DEFAULT_L2_CACHE = 32 << 20;

    /** Opens a qcow2 image and its backing chain (always read-only). */
    public static Qcow2Image open(Path file, boolean readOnly) throws Qcow2Exception {
        return open(file, readOnly, DEFAULT_L2_CACHE);
    }

    /** As {@link #open(Path, boolean)} with an L2 cache of {@code l2CacheBytes} (at least 2 tables). */
    public static Qcow2Image open(Path file, boolean readOnly, long l2CacheBytes) throws Qcow2Exception {
        return Qcow2Image.open(file, readOnly, 0, l2CacheBytes);
    }

    /** The backing file of {@code image}, named {@code name} in its header, in {@code format} (or probed). */
    static ImageSource openBacking(Path image, String name, String format, int depth) throws Qcow2Exception {
        if (depth >= MAX_CHAIN) {
            throw new Qcow2Exception("backing chain of " + image + " is longer than " + MAX_CHAIN
                    + " images (a loop?)");
        }
        if (name.startsWith("json:") || name.contains("://")) {
            throw new Qcow2Exception("backing file " + name + " of " + image + " is not a plain file name");
        }
        Path dir = image.toAbsolutePath().getParent();
        Path backing = dir == null ? Path.of(name) : dir.resolve(name);
        if (!Files.exists(backing)) {
            throw new Qcow2Exception("backing file " + backing + " of " + image + " does not exist");
        }
        String f = format != null ? format : probe(backing);
        return switch (f) {
            case "qcow2" -> Qcow2Image.open(backing, true, depth + 1, DEFAULT_L2_CACHE);
            case "raw" -> RawImage.open(backing);
            default -> throw new Qcow2Exception("backing file " + backing + " has format " + f
                    + "; only qcow2 and raw are supported");
        };
    }

    /** "qcow2" when the file starts with the qcow2 magic, else "raw". */
    public static String probe(Path file) throws Qcow2Exception {
        try (Storage s = FileStorage.open(file, true)) {
            ByteBuffer b = ByteBuffer.allocate(4);
            s.read(b, 0);
            return s.size() >= 4 && b.getInt(0) == Header.MAGIC ? "qcow2" : "raw";
        } catch (IOException e) {
            throw ioError("cannot read " + file, e);
        }
    }

    static Qcow2Exception ioError(String what, IOException e) {
        String why;
        if (e instanceof NoSuchFileException) {
            why = "no such file";
        } else if (e instanceof AccessDeniedException) {
            why = "permission denied";
        } else {
            why = e.getMessage() != null ? e.getMessage() : e.toString();
        }
        return new Qcow2Exception(what + ": " + why, e);
    }
}
