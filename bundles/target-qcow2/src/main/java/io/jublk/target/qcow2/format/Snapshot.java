package io.jublk.target.qcow2.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One internal snapshot from the snapshot table: its own L1 table, which shares clusters with the active
 * image (those clusters have refcounts above one, so writes copy them and the snapshot stays intact).
 */
public record Snapshot(String id, String name, long l1TableOffset, int l1Size, long dateSeconds,
                       long vmStateSize) {

    private static final int FIXED = 40;

    /** Bytes one snapshot entry may take at most: fixed part, extra data, id and name (64 KiB each). */
    public static final int MAX_ENTRY = FIXED + 1024 + 2 * 65535 + 8;

    /** Bytes the {@code count} entries of {@code table} take, each padded to 8 (the entries are valid). */
    public static long tableBytes(ByteBuffer table, int count) {
        int at = 0;
        for (int i = 0; i < count; i++) {
            int len = FIXED + table.getInt(at + 36) + (table.getShort(at + 12) & 0xffff)
                    + (table.getShort(at + 14) & 0xffff);
            at += (len + 7) & ~7;
        }
        return at;
    }

    /**
     * Parses {@code count} entries from {@code table} (the bytes from the snapshot table offset on).
     */
    public static List<Snapshot> parseAll(ByteBuffer table, int count, Header h, long fileSize)
            throws Qcow2Exception {
        List<Snapshot> list = new ArrayList<>(count);
        int at = 0;
        for (int i = 0; i < count; i++) {
            if (at + FIXED > table.limit()) {
                throw new Qcow2Exception("snapshot table is truncated at entry " + i);
            }
            long l1 = table.getLong(at);
            int l1Size = table.getInt(at + 8);
            int idSize = table.getShort(at + 12) & 0xffff;
            int nameSize = table.getShort(at + 14) & 0xffff;
            long date = table.getInt(at + 16) & 0xffffffffL;
            long vmState = table.getInt(at + 32) & 0xffffffffL;
            int extra = table.getInt(at + 36);
            if (extra < 0 || extra > 1024) {
                throw new Qcow2Exception("snapshot " + i + " has " + Integer.toUnsignedString(extra)
                        + " bytes of extra data (at most 1024)");
            }
            if (extra >= 16) {
                vmState = table.getLong(at + FIXED); // the 64-bit vm state size
            }
            int len = FIXED + extra + idSize + nameSize;
            if (at + (long) len > table.limit()) {
                throw new Qcow2Exception("snapshot table is truncated at entry " + i);
            }
            if (l1Size < 0 || (long) l1Size * 8 > Header.MAX_L1_BYTES) {
                throw new Qcow2Exception("snapshot " + i + " has an L1 table of "
                        + Integer.toUnsignedString(l1Size) + " entries");
            }
            if (l1Size > 0 && ((l1 & (h.clusterSize() - 1)) != 0 || l1 <= 0 || l1 > fileSize
                    || l1Size * 8L > fileSize - l1)) {
                throw new Qcow2Exception("snapshot " + i + " has its L1 table at an invalid offset 0x"
                        + Long.toHexString(l1));
            }
            String id = new String(table.array(), table.arrayOffset() + at + FIXED + extra, idSize,
                    StandardCharsets.UTF_8);
            String name = new String(table.array(), table.arrayOffset() + at + FIXED + extra + idSize, nameSize,
                    StandardCharsets.UTF_8);
            list.add(new Snapshot(id, name, l1, l1Size, date, vmState));
            at += (len + 7) & ~7;
        }
        return list;
    }
}
