package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.format.Entries;
import io.jublk.target.qcow2.format.Header;
import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.target.qcow2.format.Snapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recounts every cluster reference (header, tables, refcount blocks, snapshots, L2 tables and data of the
 * active image and of each snapshot) from the file and compares with the stored refcounts, like
 * {@code qemu-img check}: a refcount lower than its references is corruption, a higher one a leak.
 * Bitmap directories are not followed (their clusters show as leaks).
 */
public final class Qcow2Checker {
    private static final Logger LOG = LoggerFactory.getLogger(Qcow2Checker.class);
    private static final int MAX_MESSAGES = 50;
    private static final String DATA = "data cluster";

    private final Storage file;
    private final Header h;
    private final int clusterSize;
    private final int[] refs;
    private final List<String> messages = new ArrayList<>();
    private int corruptions;
    private int leaks;
    /** Clusters whose refcount is below their references: cluster, stored, counted. */
    private final List<long[]> low = new ArrayList<>();
    /** The end of the last data cluster referenced past the end of the file, or 0. */
    private long dataPastEnd;
    /** Active-image entries with a host cluster: offset, then 1 if COPIED is set. */
    private final List<long[]> copied = new ArrayList<>();

    private Qcow2Checker(Storage file, Header h, long fileSize) throws Qcow2Exception {
        this.file = file;
        this.h = h;
        this.clusterSize = h.clusterSize();
        long clusters = (fileSize + clusterSize - 1) / clusterSize;
        if (clusters > Integer.MAX_VALUE - 8) {
            throw new Qcow2Exception("the image has too many clusters to check: " + clusters);
        }
        this.refs = new int[(int) clusters];
    }

    /** Checks the image file {@code image}, opened read-only. */
    public static CheckResult check(Path image) throws Qcow2Exception {
        try (Qcow2Image img = Images.open(image, true)) {
            return check(img);
        }
    }

    public static CheckResult check(Qcow2Image image) throws Qcow2Exception {
        try {
            Storage file = image.storage();
            Qcow2Checker c = new Qcow2Checker(file, image.header(), file.size());
            c.run(image);
            return new CheckResult(List.copyOf(c.messages), c.corruptions, c.leaks, c.refs.length);
        } catch (IOException e) {
            throw Images.ioError("cannot read " + image.path(), e);
        }
    }

    /**
     * On an open for writing of an image whose dirty bit is set (a power cut, or QEMU's lazy refcounts and a
     * crash): refcounts lagging behind the L2 tables are raised; anything else wrong refuses the image.
     */
    static void repairAfterUncleanClose(Qcow2Image image) throws Qcow2Exception {
        Path path = image.path();
        if (check(image).clean()) {
            LOG.info("qcow2: {} was not closed cleanly; its refcounts are consistent", path);
            return;
        }
        int raised = repairLowRefcounts(image);
        CheckResult after = check(image);
        if (!after.clean()) {
            throw new Qcow2Exception(path + " was not closed cleanly and is damaged beyond its refcounts ("
                    + after.corruptions() + " errors, e.g. " + after.messages().stream().filter(m -> m.startsWith("ERROR"))
                    .findFirst().orElse("?")
                    + "): repair it with qemu-img check -r all");
        }
        LOG.warn("qcow2: {} was not closed cleanly; raised {} refcounts left behind", path, raised);
    }

    /**
     * Raises every refcount that is lower than its references to the number of references, and syncs: what
     * an image whose dirty bit is set needs after a crash (a power cut wrote an L2 entry back before the
     * refcount, or QEMU's lazy refcounts). Data clusters that lie past the end of the file (their new entry
     * reached the disk, their data did not) are first brought inside it: they read as zeroes, as the fresh
     * cluster did before it was written. Other damage is left alone.
     *
     * @return how many refcounts were raised
     */
    static int repairLowRefcounts(Qcow2Image image) throws Qcow2Exception {
        try {
            Storage file = image.storage();
            Qcow2Checker c = new Qcow2Checker(file, image.header(), file.size());
            c.run(image);
            if (c.dataPastEnd > file.size()) {
                file.write(ByteBuffer.allocate(1), c.dataPastEnd - 1);
                file.sync();
                c = new Qcow2Checker(file, image.header(), file.size());
                c.run(image);
            }
            Refcounts rc = image.refcounts();
            for (long[] l : c.low) {
                rc.add(l[0] * c.clusterSize, c.clusterSize, (int) (l[2] - l[1]));
            }
            rc.writeBackAndSync();
            return c.low.size();
        } catch (IOException e) {
            throw Images.ioError("cannot repair " + image.path(), e);
        }
    }

    private void run(Qcow2Image image) throws Qcow2Exception, IOException {
        reference(0, clusterSize, "header");
        reference(h.l1TableOffset, h.l1Size * 8L, "L1 table");
        Refcounts rc = image.refcounts();
        reference(rc.tableOffset(), (long) rc.tableClusters() * clusterSize, "refcount table");
        for (long e : rc.table()) {
            if (e != 0) {
                reference(e & Entries.OFFSET_MASK, clusterSize, "refcount block");
            }
        }
        if (h.snapshotCount > 0) {
            ByteBuffer t = ByteBuffer.allocate((int) Math.min(file.size() - h.snapshotsOffset,
                    (long) h.snapshotCount * Snapshot.MAX_ENTRY));
            file.read(t, h.snapshotsOffset);
            reference(h.snapshotsOffset, Snapshot.tableBytes(t, h.snapshotCount), "snapshot table");
        }
        for (Snapshot s : image.snapshots()) {
            reference(s.l1TableOffset(), s.l1Size() * 8L, "L1 table of snapshot " + s.id());
            walk(readL1(s.l1TableOffset(), s.l1Size()), false);
        }
        walk(readL1(h.l1TableOffset, h.l1Size), true);
        compare(rc);
        for (long[] c : copied) {
            long refcount = rc.get(c[0] / clusterSize);
            if ((refcount == 1) != (c[1] == 1)) {
                corruption("cluster 0x" + Long.toHexString(c[0]) + " has refcount " + refcount
                        + " but its COPIED flag is " + (c[1] == 1 ? "set" : "clear"));
            }
        }
    }

    private long[] readL1(long offset, int size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(size * 8);
        file.read(b, offset);
        long[] l1 = new long[size];
        for (int i = 0; i < size; i++) {
            l1[i] = b.getLong(i * 8);
        }
        return l1;
    }

    private void walk(long[] l1, boolean active) throws IOException {
        int entryBytes = h.l2EntryBytes();
        ByteBuffer table = ByteBuffer.allocate(clusterSize);
        for (int i = 0; i < l1.length; i++) {
            long at = l1[i] & Entries.OFFSET_MASK;
            if (at == 0) {
                continue;
            }
            if ((l1[i] & Entries.L1_RESERVED) != 0 || (at & (clusterSize - 1)) != 0) {
                corruption("L1 entry " + i + " is invalid: 0x" + Long.toHexString(l1[i]));
                continue;
            }
            if (!reference(at, clusterSize, "L2 table")) {
                continue;
            }
            if (active) {
                copied.add(new long[] {at, (l1[i] & Entries.COPIED) != 0 ? 1 : 0});
            }
            table.clear();
            file.read(table, at);
            for (int j = 0; j < clusterSize / entryBytes; j++) {
                long e = table.getLong(j * entryBytes);
                if (Entries.compressed(e)) {
                    if ((e & Entries.COPIED) != 0) {
                        corruption("compressed cluster with the COPIED flag: 0x" + Long.toHexString(e));
                    }
                    reference(Entries.compressedOffset(e, h.clusterBits), Entries.compressedBytes(e, h.clusterBits),
                            "compressed cluster");
                    continue;
                }
                long host = e & Entries.OFFSET_MASK;
                long reserved = e & ~(Entries.COPIED | Entries.OFFSET_MASK
                        | (h.extendedL2() || h.version == 2 ? 0 : Entries.ZERO));
                if (reserved != 0 || (host & (clusterSize - 1)) != 0) {
                    corruption("L2 entry " + j + " of the table at 0x" + Long.toHexString(at) + " is invalid: 0x"
                            + Long.toHexString(e));
                    continue;
                }
                if (host != 0 && reference(host, clusterSize, DATA) && active) {
                    copied.add(new long[] {host, (e & Entries.COPIED) != 0 ? 1 : 0});
                }
            }
        }
    }

    /** Counts one reference to each cluster of the range; false (and a corruption) when outside the file. */
    private boolean reference(long offset, long bytes, String what) {
        if (bytes <= 0) {
            return true;
        }
        long first = offset / clusterSize;
        long last = (offset + bytes - 1) / clusterSize;
        if (offset < 0 || last >= refs.length) {
            if (offset >= 0 && what.equals(DATA)) {
                dataPastEnd = Math.max(dataPastEnd, (last + 1) * clusterSize);
            }
            corruption(what + " at 0x" + Long.toHexString(offset) + " lies beyond the end of the file");
            return false;
        }
        for (long c = first; c <= last; c++) {
            refs[(int) c]++;
        }
        return true;
    }

    private void compare(Refcounts rc) throws Qcow2Exception, IOException {
        long covered = (long) rc.table().length * rc.blockEntries();
        long end = Math.max(refs.length, 0);
        for (long c = 0; c < Math.max(end, covered); c++) {
            long index = c / rc.blockEntries();
            if (index < rc.table().length && rc.table()[(int) index] == 0 && c >= refs.length) {
                c += rc.blockEntries() - 1 - c % rc.blockEntries();
                continue;
            }
            long stored = rc.get(c);
            long counted = c < refs.length ? refs[(int) c] : 0;
            if (stored < counted) {
                low.add(new long[] {c, stored, counted});
                corruption("cluster " + c + " (0x" + Long.toHexString(c * clusterSize) + ") has refcount " + stored
                        + " but " + counted + " references");
            } else if (stored > counted) {
                leaks++;
                message("leaked cluster " + c + " refcount=" + stored + " references=" + counted);
            }
        }
    }

    private void corruption(String what) {
        corruptions++;
        message("ERROR " + what);
    }

    private void message(String what) {
        if (messages.size() < MAX_MESSAGES) {
            messages.add(what);
        }
    }
}
