package io.jublk.target.qcow2.image;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.target.qcow2.format.Qcow2Exception;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/** An image is written by one user at a time: jublk against jublk, and against QEMU (whose lock bytes it shares). */
public class ImageLockTest {
    @Rule
    public QemuFolder tmp = new QemuFolder();
    private Path img;

    @Before
    public void setUp() throws Exception {
        img = tmp.resolve("locked.qcow2");
        Qemu.img("create", "-f", "qcow2", img.toString(), "16M");
    }

    private String refused(boolean readOnly) {
        try (Qcow2Image i = Images.open(img, readOnly)) {
            fail("opened a second time: " + i.header());
            return null;
        } catch (Qcow2Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains(img + " is in use"));
            assertTrue("one line: " + e.getMessage(), !e.getMessage().contains("\n"));
            return e.getMessage();
        }
    }

    @Test
    public void aWriterKeepsOutWritersAndReadersUntilClosed() throws Exception {
        try (Qcow2Image writer = Images.open(img, false)) {
            refused(false);
            refused(true); // the refused opens closed fds of the file: the writer's locks must survive that
            refused(false);
            Qemu.Result check = Qemu.run("qemu-img", "check", img.toString());
            assertNotEquals(check.output(), 0, check.exit());
            assertTrue(check.output(), check.output().contains("lock"));
            assertEquals(0, writer.virtualSize() % 512);
        }
        try (Qcow2Image again = Images.open(img, false)) {
            assertEquals(16L << 20, again.virtualSize());
        }
        Qemu.check(img);
    }

    @Test
    public void readersShareButKeepOutAWriter() throws Exception {
        try (Qcow2Image a = Images.open(img, true); Qcow2Image b = Images.open(img, true)) {
            refused(false);
            assertEquals(a.virtualSize(), b.virtualSize());
        }
    }

    @Test
    public void anImageQemuHasOpenIsRefusedAndViceVersa() throws Exception {
        // qemu-io with no -c holds the image open (read-write, locked) until its input ends
        Process qemu = new ProcessBuilder("qemu-io", "-f", "qcow2", img.toString()).redirectErrorStream(true).start();
        try {
            // its prompt comes once the image is open (and locked); opening ours earlier would shut QEMU out
            byte[] prompt = qemu.getInputStream().readNBytes("qemu-io> ".length());
            assertEquals("qemu-io> ", new String(prompt, StandardCharsets.UTF_8));
            try (Qcow2Image i = Images.open(img, false)) {
                fail("opened while QEMU has it: " + i.header());
            } catch (Qcow2Exception e) {
                assertTrue(e.getMessage(), e.getMessage().contains("is in use"));
            }
            refused(true);
        } finally {
            qemu.getOutputStream().close();
            qemu.waitFor(30, TimeUnit.SECONDS);
        }
        try (Qcow2Image ours = Images.open(img, false)) {
            Process other = new ProcessBuilder("qemu-io", "-f", "qcow2", "-c", "read 0 4k", img.toString())
                    .redirectErrorStream(true).start();
            String out;
            try (InputStream in = other.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(other.waitFor(30, TimeUnit.SECONDS));
            assertNotEquals(out, 0, other.exitValue());
            assertTrue(out, out.contains("lock"));
        }
    }
}
