package io.jublk.target.qcow2;

import io.jublk.target.IoOperation;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.testkit.RingHarness;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Random;

/**
 * The process {@link KilledWriterTest} kills with SIGKILL: writes 4 KiB blocks through a qcow2 queue on a real
 * ring, one at a time, at offsets from {@code new Random(SEED)}, and prints {@code ACK i} once write
 * {@code i} is completed (acknowledged). It never sends a FLUSH.
 */
public final class KilledWriter {
    static final long SEED = 15;
    static final int BLOCK = 4096;

    private KilledWriter() {
    }

    /** Where write {@code i} of the sequence goes, for a disk of {@code size} bytes. */
    static long[] offsets(int count, long size) {
        Random r = new Random(SEED);
        long[] at = new long[count];
        for (int i = 0; i < count; i++) {
            at[i] = BLOCK * (long) r.nextInt((int) (size / BLOCK));
        }
        return at;
    }

    /** The bytes of write {@code i}: longs {@code i << 32 | k}. */
    static void fill(MemorySegment block, int i) {
        for (int k = 0; k < BLOCK / 8; k++) {
            block.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), k * 8L,
                    (long) i << 32 | k);
        }
    }

    public static void main(String[] args) throws Exception {
        long size = Long.parseLong(args[1]);
        long[] at = offsets(1_000_000, size);
        PrintStream out = new PrintStream(System.out, false);
        try (Qcow2Target t = (Qcow2Target) new Qcow2TargetFactory().open(new TargetOptions(Map.of("file", args[0])));
             RingHarness h = new RingHarness()) {
            TargetQueue q = t.openQueue(h);
            out.println("READY");
            out.flush();
            for (int i = 0; i < at.length; i++) {
                RingHarness.Request w = h.request(0, IoOperation.WRITE, at[i], BLOCK);
                fill(w.buffer(), i);
                if (h.run(q, w) != BLOCK) {
                    throw new AssertionError("write " + i + " failed");
                }
                out.println("ACK " + i);
                out.flush();
            }
        }
    }
}
