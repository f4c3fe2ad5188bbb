package io.jublk.target.qcow2;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.target.qcow2.image.Qemu;
import io.jublk.target.qcow2.image.QemuFolder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;

/**
 * A real kill -9 of a process writing through a qcow2 queue (no ublk: the queue on a ring, as the device's
 * queue thread drives it), with no FLUSH ever: every write it acknowledged reads back from the image it left,
 * which qemu-img check finds free of corruption. (The old code kept the L2 entries of new clusters in the
 * JVM until a FLUSH: the acknowledged writes into new clusters read back as zeroes.)
 */
public class KilledWriterTest {
    private static final long SIZE = 64 << 20;

    @Rule
    public QemuFolder tmp = new QemuFolder();

    @Test
    public void everyAcknowledgedWriteSurvivesAKill() throws Exception {
        Path dir = tmp.path();
        Path img = dir.resolve("killed.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=64k", img.toString(), String.valueOf(SIZE));
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), KilledWriter.class.getName(), img.toString(),
                String.valueOf(SIZE)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        int acked = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("ACK ")) {
                    acked = Integer.parseInt(line.substring(4));
                    if (acked == 3000 || System.nanoTime() > deadline) {
                        child.toHandle().destroyForcibly(); // SIGKILL mid-writes; the pipe stays readable
                        break;
                    }
                }
            }
            assertTrue("the writer acknowledged writes", acked >= 0);
            assertTrue("the writer died", child.waitFor(30, TimeUnit.SECONDS));
            for (String line; (line = out.readLine()) != null; ) { // acknowledged before it died
                if (line.startsWith("ACK ")) {
                    acked = Integer.parseInt(line.substring(4));
                }
            }
        }
        Qemu.check(img);
        byte[] disk = Qemu.raw(img, dir);
        long[] at = KilledWriter.offsets(acked + 2, SIZE);
        long inFlight = at[acked + 1]; // may or may not have reached the file
        int[] last = new int[(int) (SIZE / KilledWriter.BLOCK)];
        Arrays.fill(last, -1);
        for (int i = 0; i <= acked; i++) {
            last[(int) (at[i] / KilledWriter.BLOCK)] = i;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment expected = arena.allocate(KilledWriter.BLOCK);
            int checked = 0;
            for (int b = 0; b < last.length; b++) {
                if (last[b] < 0 || (long) b * KilledWriter.BLOCK == inFlight) {
                    continue;
                }
                KilledWriter.fill(expected, last[b]);
                int from = b * KilledWriter.BLOCK;
                assertArrayEquals("block " + b + " (write " + last[b] + " of " + acked + " acknowledged)",
                        expected.toArray(ValueLayout.JAVA_BYTE),
                        Arrays.copyOfRange(disk, from, from + KilledWriter.BLOCK));
                checked++;
            }
            assertTrue("blocks checked: " + checked, checked > 100);
        }
    }
}
