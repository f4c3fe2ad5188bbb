package io.jublk.target.qcow2.image;

import static org.junit.Assert.assertArrayEquals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

/** Random writes, zeroings and flushes on an image, mirrored on a raw model when one is given. */
final class Workload {
    private Workload() {
    }

    /**
     * Applies {@code ops} operations of up to {@code maxLength} bytes at 512-byte granularity: 60 % writes of
     * random bytes, 30 % zero ranges (DISCARD / WRITE_ZEROES), 10 % flushes. With a model, every 16th
     * operation also reads a random sector back and compares.
     */
    static void apply(Qcow2Image img, Random r, int ops, int maxLength, byte[] model) throws Exception {
        apply(img, r, ops, maxLength, model, null);
    }

    /** What a workload did: operation {@code op} was a write, a zeroing or a flush, of length bytes at at. */
    interface Step {
        int WRITE = 0;
        int ZERO = 1;
        int FLUSH = 2;

        void done(int op, int kind, long at, int length) throws Exception;
    }

    /** As above, telling {@code step} (when not null) after each operation, once the model has it. */
    static void apply(Qcow2Image img, Random r, int ops, int maxLength, byte[] model, Step step)
            throws Exception {
        long size = img.virtualSize();
        for (int i = 0; i < ops; i++) {
            int len = 512 * (1 + r.nextInt(maxLength / 512));
            long at = 512L * r.nextInt((int) ((size - len) / 512));
            int kind = r.nextInt(10);
            if (kind < 6) {
                byte[] data = new byte[len];
                r.nextBytes(data);
                img.write(at, ByteBuffer.wrap(data));
                if (model != null) {
                    System.arraycopy(data, 0, model, (int) at, len);
                }
            } else if (kind < 9) {
                img.zeroRange(at, len);
                if (model != null) {
                    Arrays.fill(model, (int) at, (int) at + len, (byte) 0);
                }
            } else {
                img.flush();
            }
            if (step != null) {
                step.done(i, kind < 6 ? Step.WRITE : kind < 9 ? Step.ZERO : Step.FLUSH, at, len);
            }
            if (model != null && i % 16 == 0) {
                long probe = 512L * r.nextInt((int) (size / 512));
                byte[] got = new byte[512];
                img.read(probe, ByteBuffer.wrap(got));
                assertArrayEquals("read back at " + probe + " after op " + i,
                        Arrays.copyOfRange(model, (int) probe, (int) probe + 512), got);
            }
        }
    }
}
