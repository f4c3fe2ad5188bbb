package io.jublk.target.qcow2.cache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One cluster of big-endian 64-bit entries as it is in memory: an L2 table (with extended L2 entries, the
 * entry and its subcluster bitmap alternate) or, with narrower entries, a refcount block. {@link #dirty}
 * means the memory copy is newer than the file's, in the byte range {@link #dirtyRange()} (changes are
 * written back as that range, not as the whole cluster).
 */
public final class Table {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private final long offset;
    private final byte[] bytes;
    /** The changed byte range [dirtyFrom, dirtyTo); empty when clean. */
    private int dirtyFrom;
    private int dirtyTo;

    public Table(long offset, byte[] bytes) {
        this.offset = offset;
        this.bytes = bytes;
    }

    /** Where the table lives in the image file. */
    public long offset() {
        return offset;
    }

    public long getLong(int index) {
        return (long) LONG.get(bytes, index * 8);
    }

    public void setLong(int index, long value) {
        LONG.set(bytes, index * 8, value);
    }

    /** An unsigned entry of {@code bits} (1 to 64) bits, as refcount blocks hold them. */
    public long getBits(int index, int bits) {
        return switch (bits) {
            case 64 -> getLong(index);
            case 32 -> (int) INT.get(bytes, index * 4) & 0xffffffffL;
            case 16 -> (short) SHORT.get(bytes, index * 2) & 0xffffL;
            case 8 -> bytes[index] & 0xffL;
            default -> {
                int perByte = 8 / bits;
                int shift = (index % perByte) * bits;
                yield (bytes[index / perByte] >>> shift) & ((1 << bits) - 1);
            }
        };
    }

    public void setBits(int index, int bits, long value) {
        switch (bits) {
            case 64 -> setLong(index, value);
            case 32 -> INT.set(bytes, index * 4, (int) value);
            case 16 -> SHORT.set(bytes, index * 2, (short) value);
            case 8 -> bytes[index] = (byte) value;
            default -> {
                int perByte = 8 / bits;
                int shift = (index % perByte) * bits;
                int mask = ((1 << bits) - 1) << shift;
                bytes[index / perByte] = (byte) ((bytes[index / perByte] & ~mask) | ((value << shift) & mask));
            }
        }
    }

    /** Byte position in the table of entry {@code index} of {@code bits} bits, and how many bytes hold it. */
    public static int bytePosition(int index, int bits) {
        return bits >= 8 ? index * (bits / 8) : index / (8 / bits);
    }

    public static int byteCount(int bits) {
        return Math.max(1, bits / 8);
    }

    public ByteBuffer slice(int from, int length) {
        return ByteBuffer.wrap(bytes, from, length);
    }

    public ByteBuffer whole() {
        return ByteBuffer.wrap(bytes);
    }

    public byte[] bytes() {
        return bytes;
    }

    public boolean dirty() {
        return dirtyFrom < dirtyTo;
    }

    /** Marks the whole table changed ({@code true}) or the file's copy current ({@code false}). */
    public void dirty(boolean dirty) {
        dirtyFrom = 0;
        dirtyTo = dirty ? bytes.length : 0;
    }

    /** Marks {@code length} bytes from {@code from} changed; returns whether the table was clean before. */
    public boolean touch(int from, int length) {
        boolean wasClean = !dirty();
        if (wasClean) {
            dirtyFrom = from;
            dirtyTo = from + length;
        } else {
            dirtyFrom = Math.min(dirtyFrom, from);
            dirtyTo = Math.max(dirtyTo, from + length);
        }
        return wasClean;
    }

    /** The changed bytes, positioned at the first: write them at {@link #offset()} + its position. */
    public ByteBuffer dirtyRange() {
        return ByteBuffer.wrap(bytes, dirtyFrom, dirtyTo - dirtyFrom);
    }
}
