package io.jublk.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.core.device.UblkService;
import io.jublk.core.uapi.Feature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The plumbing, in jublk's own Karaf on the ublk host: the container boots, the platform bundles are
 * ACTIVE, the kernel's ublk control device answers from inside the container, and a ublk: command runs
 * through bin/client.
 */
public class PlatformIT extends ContainerTestBase {
    private static final List<String> PLATFORM_BUNDLES = List.of("jublk-target-api", "jublk-uring", "jublk-core",
            "jublk-shell", "jublk-target-null", "jublk-target-loop", "jublk-target-qcow2");

    private static final int SSH_PORT = 8101;

    @Inject
    private BundleContext context;

    @Inject
    private UblkService ublk;

    /** The bundles' check runs without ublk too; the other tests ask for it themselves. */
    @Override
    protected boolean needsUblk() {
        return false;
    }

    @Test
    public void platformBundlesAreActive() {
        for (String name : PLATFORM_BUNDLES) {
            Bundle bundle = find(name);
            assertEquals(name + " state", Bundle.ACTIVE, bundle.getState());
        }
    }

    @Test
    public void kernelAnswersControlCommandsFromInsideTheContainer() throws IOException {
        UblkHost.requireUblk();
        long features = ublk.kernelFeatures();
        System.out.printf("kernel %s: ublk features 0x%x %s%n", UblkHost.kernelRelease(), features,
                Feature.decode(features));
        assertTrue(Feature.CMD_IOCTL_ENCODE.in(features));
        assertTrue(Feature.USER_RECOVERY_REISSUE.in(features));
        assertTrue(Feature.USER_COPY.in(features));
        // QUIESCE came with 6.16: a 6.12 kernel must not claim it, a 7.x one must have it
        assertEquals(UblkHost.kernelVersion() >= 6016, Feature.QUIESCE.in(features));
    }

    @Test
    public void ublkCommandRunsThroughBinClient() throws Exception {
        UblkHost.requireUblk();
        String out = client("ublk:features");
        assertTrue(out, out.contains("ublk_drv features: 0x"));
        assertTrue(out, out.contains("USER_RECOVERY"));
    }

    private Bundle find(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().equals(symbolicName)) {
                return b;
            }
        }
        throw new AssertionError("bundle " + symbolicName + " is not installed");
    }

    /** Runs console commands through the distribution's bin/client, as a user or a script would. */
    private static String client(String commands) throws Exception {
        Path home = Path.of(System.getProperty("karaf.home"));
        awaitSshServer();
        // -b reads the commands from standard input: no race with an early end of input
        Process p = new ProcessBuilder(home.resolve("bin/client").toString(), "-r", "30", "-b")
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().write((commands + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        assertTrue("bin/client did not finish", p.waitFor(120, TimeUnit.SECONDS));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals("bin/client exit status; output:\n" + text, 0, p.exitValue());
        return text;
    }

    /** Pax Exam starts tests once its probe is in; Karaf's ssh server may come up later (minutes, under TCG). */
    static void awaitSshServer() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", SSH_PORT)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(1000);
            }
        }
        throw new AssertionError("Karaf's ssh server did not listen on port " + SSH_PORT);
    }
}
