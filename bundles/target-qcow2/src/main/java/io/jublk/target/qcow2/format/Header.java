package io.jublk.target.qcow2.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A qcow2 header (version 2 or 3) with its extensions, parsed from the image's first cluster and checked
 * against the file size: every table must be cluster-aligned, inside the file and apart from the others.
 * Field offsets follow QEMU's docs/interop/qcow2.txt.
 */
public final class Header {
    public static final int MAGIC = 0x514649fb; // "QFI\xfb"
    public static final int V2_LENGTH = 72;
    public static final int V3_LENGTH = 104;
    public static final int MIN_CLUSTER_BITS = 9;
    public static final int MAX_CLUSTER_BITS = 21;
    /** QEMU's limits: 32 MiB of L1 table, 8 MiB of refcount table, 65536 snapshots. */
    static final long MAX_L1_BYTES = 32L << 20;
    static final long MAX_REFTABLE_BYTES = 8L << 20;
    static final int MAX_SNAPSHOTS = 65536;
    static final int MAX_BACKING_NAME = 1023;
    /** The largest virtual size QEMU accepts (its limit on a host offset, 2^56, is larger still). */
    public static final long MAX_VIRTUAL_SIZE = 1L << 55;

    public static final long INCOMPAT_DIRTY = 1;
    public static final long INCOMPAT_CORRUPT = 1 << 1;
    public static final long INCOMPAT_DATA_FILE = 1 << 2;
    public static final long INCOMPAT_COMPRESSION = 1 << 3;
    public static final long INCOMPAT_EXTL2 = 1 << 4;
    static final long INCOMPAT_KNOWN = 0x1f;
    public static final long COMPAT_LAZY_REFCOUNTS = 1;

    /** Byte offsets of the fields this code rewrites. */
    public static final int OFF_REFTABLE = 48;
    public static final int OFF_INCOMPAT = 72;
    public static final int OFF_AUTOCLEAR = 88;

    static final int EXT_END = 0;
    static final int EXT_BACKING_FORMAT = 0xe2792aca;
    static final int EXT_FEATURE_NAMES = 0x6803f857;
    static final int EXT_BITMAPS = 0x23852875;
    static final int EXT_ENCRYPTION = 0x0537be77;
    static final int EXT_DATA_FILE = 0x44415441;

    public final int version;
    public final long backingFileOffset;
    public final int backingFileSize;
    public final int clusterBits;
    public final long size;
    public final int cryptMethod;
    public final int l1Size;
    public final long l1TableOffset;
    public final long refcountTableOffset;
    public final int refcountTableClusters;
    public final int snapshotCount;
    public final long snapshotsOffset;
    public final long incompatible;
    public final long compatible;
    public final long autoclear;
    public final int refcountOrder;
    public final int headerLength;
    public final int compressionType;
    /** The backing file name, or null. */
    public final String backingFile;
    /** The backing format from its extension ("qcow2", "raw"), or null when the header does not say. */
    public final String backingFormat;

    private Header(ByteBuffer b, long fileSize) throws Qcow2Exception {
        if (b.limit() < V2_LENGTH) {
            throw new Qcow2Exception("not a qcow2 image: the file is shorter than a qcow2 header ("
                    + b.limit() + " bytes)");
        }
        if (b.getInt(0) != MAGIC) {
            throw new Qcow2Exception("not a qcow2 image: bad magic 0x" + Integer.toHexString(b.getInt(0)));
        }
        version = b.getInt(4);
        if (version != 2 && version != 3) {
            throw new Qcow2Exception("qcow2 version " + Integer.toUnsignedString(version)
                    + " is not supported (only 2 and 3)");
        }
        backingFileOffset = b.getLong(8);
        backingFileSize = b.getInt(16);
        clusterBits = b.getInt(20);
        size = b.getLong(24);
        cryptMethod = b.getInt(32);
        l1Size = b.getInt(36);
        l1TableOffset = b.getLong(40);
        refcountTableOffset = b.getLong(48);
        refcountTableClusters = b.getInt(56);
        snapshotCount = b.getInt(60);
        snapshotsOffset = b.getLong(64);
        if (version == 3) {
            if (b.limit() < V3_LENGTH) {
                throw new Qcow2Exception("truncated qcow2 v3 header: " + b.limit() + " bytes");
            }
            incompatible = b.getLong(72);
            compatible = b.getLong(80);
            autoclear = b.getLong(88);
            refcountOrder = b.getInt(96);
            headerLength = b.getInt(100);
        } else {
            incompatible = 0;
            compatible = 0;
            autoclear = 0;
            refcountOrder = 4;
            headerLength = V2_LENGTH;
        }
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            throw new Qcow2Exception("invalid cluster_bits " + Integer.toUnsignedString(clusterBits)
                    + " (must be " + MIN_CLUSTER_BITS + " to " + MAX_CLUSTER_BITS + ")");
        }
        int clusterSize = 1 << clusterBits;
        if (version == 3 && (headerLength < V3_LENGTH || headerLength % 8 != 0 || headerLength > clusterSize
                || headerLength > b.limit())) {
            throw new Qcow2Exception("invalid header_length " + Integer.toUnsignedString(headerLength));
        }
        compressionType = version == 3 && headerLength > V3_LENGTH ? b.get(104) & 0xff : 0;
        checkFeatures(b);
        if (refcountOrder < 0 || refcountOrder > 6) {
            throw new Qcow2Exception("invalid refcount_order " + Integer.toUnsignedString(refcountOrder)
                    + " (must be 0 to 6)");
        }
        if (cryptMethod != 0) {
            throw new Qcow2Exception("encrypted qcow2 images are not supported (crypt_method "
                    + Integer.toUnsignedString(cryptMethod) + ")");
        }
        if (size < 0 || size > MAX_VIRTUAL_SIZE) {
            throw new Qcow2Exception("invalid virtual size " + Long.toUnsignedString(size));
        }
        long l2Entries = clusterSize / (long) l2EntryBytes();
        long l1Needed = ceilDiv(size, (long) clusterSize * l2Entries);
        if (l1Size < 0 || (long) l1Size * 8 > MAX_L1_BYTES) {
            throw new Qcow2Exception("L1 table too large: " + Integer.toUnsignedString(l1Size) + " entries");
        }
        if (l1Size < l1Needed) {
            throw new Qcow2Exception("L1 table too small for the virtual size: " + l1Size + " entries, "
                    + l1Needed + " needed");
        }
        checkTable("L1 table", l1TableOffset, (long) l1Size * 8, fileSize, l1Size == 0);
        if (refcountTableClusters <= 0 || (long) refcountTableClusters << clusterBits > MAX_REFTABLE_BYTES) {
            throw new Qcow2Exception("invalid refcount table size: "
                    + Integer.toUnsignedString(refcountTableClusters) + " clusters");
        }
        checkTable("refcount table", refcountTableOffset, (long) refcountTableClusters << clusterBits, fileSize,
                false);
        if (snapshotCount < 0 || snapshotCount > MAX_SNAPSHOTS) {
            throw new Qcow2Exception("too many snapshots: " + Integer.toUnsignedString(snapshotCount));
        }
        // each snapshot entry is at least 40 bytes; the table is checked for real when it is read
        checkTable("snapshot table", snapshotsOffset, snapshotCount * 40L, fileSize, snapshotCount == 0);
        checkApart("L1 table", l1TableOffset, (long) l1Size * 8, "refcount table", refcountTableOffset,
                (long) refcountTableClusters << clusterBits);
        if (snapshotCount > 0) {
            checkApart("snapshot table", snapshotsOffset, snapshotCount * 40L, "L1 table", l1TableOffset,
                    (long) l1Size * 8);
            checkApart("snapshot table", snapshotsOffset, snapshotCount * 40L, "refcount table",
                    refcountTableOffset, (long) refcountTableClusters << clusterBits);
        }
        backingFile = readBackingName(b, clusterSize);
        backingFormat = readExtensions(b, clusterSize);
    }

    /**
     * Parses {@code firstCluster} (at least the first cluster of the image, or the whole file when shorter).
     */
    public static Header parse(ByteBuffer firstCluster, long fileSize) throws Qcow2Exception {
        ByteBuffer b = firstCluster.duplicate().order(ByteOrder.BIG_ENDIAN);
        b.position(0);
        return new Header(b, fileSize);
    }

    private void checkFeatures(ByteBuffer b) throws Qcow2Exception {
        long unknown = incompatible & ~INCOMPAT_KNOWN;
        if (unknown != 0) {
            throw new Qcow2Exception("the image uses unknown incompatible features: "
                    + featureNames(b, unknown));
        }
        if ((incompatible & INCOMPAT_DATA_FILE) != 0) {
            throw new Qcow2Exception("qcow2 images with an external data file are not supported");
        }
        if ((incompatible & INCOMPAT_COMPRESSION) == 0 && compressionType != 0) {
            throw new Qcow2Exception("compression_type " + compressionType
                    + " without the compression type feature bit");
        }
        if (compressionType > 1) {
            throw new Qcow2Exception("unknown compression type " + compressionType);
        }
        if ((incompatible & INCOMPAT_EXTL2) != 0 && clusterBits < 14) {
            throw new Qcow2Exception("extended L2 entries need clusters of 16 KiB or more, not "
                    + (1 << clusterBits));
        }
    }

    /** Names of the bits in {@code bits} from the feature name table, or "bit N" when it names none. */
    private String featureNames(ByteBuffer b, long bits) {
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((bits & (1L << bit)) != 0) {
                String name = featureName(b, bit);
                names.add(name != null ? name + " (bit " + bit + ")" : "bit " + bit);
            }
        }
        return String.join(", ", names);
    }

    private String featureName(ByteBuffer b, int bit) {
        try {
            int at = headerLength;
            int end = Math.min(b.limit(), 1 << clusterBits);
            while (at + 8 <= end) {
                int type = b.getInt(at);
                int length = b.getInt(at + 4);
                if (type == EXT_END || length < 0 || at + 8L + length > end) {
                    return null;
                }
                if (type == EXT_FEATURE_NAMES) {
                    for (int e = at + 8; e + 48 <= at + 8 + length; e += 48) {
                        if (b.get(e) == 0 && b.get(e + 1) == bit) {
                            return cString(b, e + 2, 46);
                        }
                    }
                }
                at += 8 + (int) ceilDiv(length, 8) * 8;
            }
        } catch (RuntimeException ignored) {
            // a damaged table only costs the name
        }
        return null;
    }

    private String readBackingName(ByteBuffer b, int clusterSize) throws Qcow2Exception {
        if (backingFileOffset == 0) {
            if (backingFileSize != 0) {
                throw new Qcow2Exception("backing_file_size " + backingFileSize + " without backing_file_offset");
            }
            return null;
        }
        if (backingFileSize <= 0 || backingFileSize > MAX_BACKING_NAME) {
            throw new Qcow2Exception("invalid backing file name length " + Integer.toUnsignedString(backingFileSize));
        }
        if (backingFileOffset < headerLength || backingFileOffset + backingFileSize > clusterSize
                || backingFileOffset + backingFileSize > b.limit()) {
            throw new Qcow2Exception("the backing file name lies outside the header cluster (offset "
                    + Long.toUnsignedString(backingFileOffset) + ")");
        }
        byte[] name = new byte[backingFileSize];
        b.get((int) backingFileOffset, name);
        for (byte c : name) {
            if (c == 0) {
                throw new Qcow2Exception("the backing file name contains a NUL byte");
            }
        }
        return new String(name, StandardCharsets.UTF_8);
    }

    /** Validates the extension list; returns the backing format, if one is given. */
    private String readExtensions(ByteBuffer b, int clusterSize) throws Qcow2Exception {
        int end = Math.min(b.limit(), clusterSize);
        if (backingFileOffset != 0) {
            end = (int) Math.min(end, backingFileOffset);
        }
        long at = headerLength;
        String format = null;
        while (true) {
            if (at + 8 > end) {
                if (version == 2 && at >= end) {
                    return format; // v2 images may end the header without an end marker
                }
                throw new Qcow2Exception("header extensions run past the header cluster");
            }
            int type = b.getInt((int) at);
            long length = Integer.toUnsignedLong(b.getInt((int) at + 4));
            if (type == EXT_END) {
                return format;
            }
            if (at + 8 + length > end) {
                throw new Qcow2Exception("header extension 0x" + Integer.toHexString(type) + " of " + length
                        + " bytes runs past the header");
            }
            switch (type) {
                case EXT_BACKING_FORMAT -> format = cString(b, (int) at + 8, (int) length);
                case EXT_ENCRYPTION -> throw new Qcow2Exception("encrypted qcow2 images are not supported");
                case EXT_DATA_FILE -> throw new Qcow2Exception(
                        "qcow2 images with an external data file are not supported");
                case EXT_FEATURE_NAMES -> {
                    if (length % 48 != 0) {
                        throw new Qcow2Exception("feature name table of " + length + " bytes, not a multiple of 48");
                    }
                }
                default -> {
                    // bitmaps and unknown extensions are skipped: bitmaps are invalidated by writes (autoclear)
                }
            }
            at += 8 + ceilDiv(length, 8) * 8;
        }
    }

    private static String cString(ByteBuffer b, int at, int max) {
        int n = 0;
        while (n < max && at + n < b.limit() && b.get(at + n) != 0) {
            n++;
        }
        byte[] s = new byte[n];
        b.get(at, s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private void checkTable(String what, long offset, long bytes, long fileSize, boolean empty)
            throws Qcow2Exception {
        if (empty) {
            return;
        }
        if (offset <= 0 || (offset & (clusterSize() - 1)) != 0) {
            throw new Qcow2Exception(what + " offset 0x" + Long.toHexString(offset)
                    + " is not a cluster-aligned offset after the header");
        }
        if (offset > fileSize || bytes > fileSize - offset) {
            throw new Qcow2Exception(what + " at 0x" + Long.toHexString(offset) + " (" + bytes
                    + " bytes) lies beyond the end of the file (" + fileSize + " bytes)");
        }
    }

    private static void checkApart(String a, long aOffset, long aBytes, String b, long bOffset, long bBytes)
            throws Qcow2Exception {
        if (aBytes > 0 && bBytes > 0 && aOffset < bOffset + bBytes && bOffset < aOffset + aBytes) {
            throw new Qcow2Exception("the " + a + " overlaps the " + b);
        }
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    public int clusterSize() {
        return 1 << clusterBits;
    }

    public boolean extendedL2() {
        return (incompatible & INCOMPAT_EXTL2) != 0;
    }

    /** Bytes of one L2 entry: 8, or 16 with extended L2 entries (entry + subcluster bitmap). */
    public int l2EntryBytes() {
        return extendedL2() ? 16 : 8;
    }

    public int l2Entries() {
        return clusterSize() / l2EntryBytes();
    }

    public int refcountBits() {
        return 1 << refcountOrder;
    }

    public boolean dirty() {
        return (incompatible & INCOMPAT_DIRTY) != 0;
    }

    public boolean corrupt() {
        return (incompatible & INCOMPAT_CORRUPT) != 0;
    }

    public boolean lazyRefcounts() {
        return (compatible & COMPAT_LAZY_REFCOUNTS) != 0;
    }

    public boolean zstd() {
        return compressionType == 1;
    }

    @Override
    public String toString() {
        return "qcow2 v" + version + ", " + size + " bytes, cluster " + clusterSize() + ", refcount bits "
                + refcountBits() + (extendedL2() ? ", extended L2" : "") + (backingFile != null
                ? ", backing " + backingFile + (backingFormat != null ? " (" + backingFormat + ")" : "") : "");
    }
}
