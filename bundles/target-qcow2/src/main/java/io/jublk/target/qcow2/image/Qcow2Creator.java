package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Creates an empty qcow2 v3 image: header (with the backing file's name and format), refcount table and
 * blocks counting the metadata, and an all-zero L1 table; 16-bit refcounts. A file that already exists is
 * refused, and a failed create leaves no file behind.
 */
public final class Qcow2Creator {
    public static final int DEFAULT_CLUSTER_SIZE = 65536;
    private static final int HEADER_LENGTH = 112;
    private static final int REFCOUNT_ORDER = 4;

    private Qcow2Creator() {
    }

    /**
     * @param size        virtual size in bytes (rounded up to 512), or -1 for the backing file's size
     * @param clusterSize a power of two from 512 bytes to 2 MiB
     * @param backing     the backing file as it is to be written in the header (relative to the image's
     *                    folder, or absolute), or null
     * @return the virtual size of the new image
     */
    public static long create(Path file, long size, int clusterSize, String backing) throws Qcow2Exception {
        if (Integer.bitCount(clusterSize) != 1 || clusterSize < 1 << Header.MIN_CLUSTER_BITS
                || clusterSize > 1 << Header.MAX_CLUSTER_BITS) {
            throw new Qcow2Exception("cluster size must be a power of two from 512 to 2M: " + clusterSize);
        }
        String backingFormat = null;
        if (backing != null) {
            if (backing.isEmpty() || backing.getBytes(StandardCharsets.UTF_8).length > 1023) {
                throw new Qcow2Exception("invalid backing file name");
            }
            Path dir = file.toAbsolutePath().getParent();
            Path resolved = dir.resolve(backing);
            try (ImageSource b = Images.openBacking(file, backing, null, 0)) {
                backingFormat = Images.probe(resolved);
                if (size < 0) {
                    size = b.virtualSize();
                }
            }
        }
        if (size <= 0) {
            throw new Qcow2Exception("the image size must be positive" + (backing == null ? " (give -s SIZE)" : ""));
        }
        size = (size + 511) & ~511L;
        if (size > Header.MAX_VIRTUAL_SIZE) {
            throw new Qcow2Exception("image size too large: " + size);
        }
        int bits = Integer.numberOfTrailingZeros(clusterSize);
        long l1Entries = (size + ((long) clusterSize * (clusterSize / 8)) - 1) / ((long) clusterSize * (clusterSize / 8));
        if (l1Entries * 8 > 32L << 20) {
            throw new Qcow2Exception("image size too large for " + clusterSize + "-byte clusters: " + size);
        }
        long l1Clusters = (l1Entries * 8 + clusterSize - 1) / clusterSize;
        long blockEntries = (long) clusterSize * 8 / (1 << REFCOUNT_ORDER);
        long blocks = 1;
        long tableClusters = 1;
        for (;;) {
            long total = 1 + tableClusters + blocks + l1Clusters;
            long b = (total + blockEntries - 1) / blockEntries;
            long t = (b * 8 + clusterSize - 1) / clusterSize;
            if (b == blocks && t == tableClusters) {
                break;
            }
            blocks = b;
            tableClusters = t;
        }
        long total = 1 + tableClusters + blocks + l1Clusters;
        ByteBuffer image = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, total * clusterSize));
        if (total * clusterSize > image.capacity()) {
            throw new Qcow2Exception("image metadata too large: " + total + " clusters");
        }
        long tableAt = clusterSize;
        long blocksAt = tableAt + tableClusters * clusterSize;
        long l1At = blocksAt + blocks * clusterSize;
        if (backing != null && HEADER_LENGTH + 24 + backingFormat.length() + backing.getBytes(StandardCharsets.UTF_8).length
                > clusterSize) {
            throw new Qcow2Exception("the backing file name does not fit in one " + clusterSize + "-byte cluster");
        }
        writeHeader(image, bits, size, l1Entries, l1At, tableAt, tableClusters, backing, backingFormat);
        for (int i = 0; i < blocks; i++) {
            image.putLong((int) (tableAt + i * 8L), blocksAt + (long) i * clusterSize);
        }
        for (long c = 0; c < total; c++) {
            image.putShort((int) (blocksAt + c * 2), (short) 1); // the blocks are contiguous: one array
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            try {
                while (image.hasRemaining()) {
                    ch.write(image);
                }
                ch.force(true);
            } catch (IOException e) {
                Files.deleteIfExists(file);
                throw e;
            }
        } catch (FileAlreadyExistsException e) {
            throw new Qcow2Exception(file + " already exists");
        } catch (IOException e) {
            throw Images.ioError("cannot create " + file, e);
        }
        return size;
    }

    private static void writeHeader(ByteBuffer b, int bits, long size, long l1Entries, long l1At, long tableAt,
                                    long tableClusters, String backing, String backingFormat) {
        b.putInt(0, Header.MAGIC).putInt(4, 3);
        b.putInt(20, bits).putLong(24, size);
        b.putInt(36, (int) l1Entries).putLong(40, l1At);
        b.putLong(48, tableAt).putInt(56, (int) tableClusters);
        b.putInt(96, REFCOUNT_ORDER).putInt(100, HEADER_LENGTH);
        int at = HEADER_LENGTH;
        if (backing != null) {
            byte[] format = backingFormat.getBytes(StandardCharsets.UTF_8);
            b.putInt(at, 0xe2792aca).putInt(at + 4, format.length);
            b.put(at + 8, format);
            at += 8 + (format.length + 7) / 8 * 8;
        }
        at += 8; // end of extensions
        if (backing != null) {
            byte[] name = backing.getBytes(StandardCharsets.UTF_8);
            if (at + name.length > (1 << bits)) {
                throw new IllegalArgumentException("the backing file name does not fit in one cluster");
            }
            b.putLong(8, at).putInt(16, name.length);
            b.put(at, name);
        }
    }
}
