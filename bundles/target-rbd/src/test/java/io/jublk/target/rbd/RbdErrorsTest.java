package io.jublk.target.rbd;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.target.TargetException;
import io.jublk.target.TargetOptions;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/** What a user sees when an rbd disk cannot be opened: one line, in bounded time, nothing left open. */
public class RbdErrorsTest {
    private static CephCluster ceph;

    @BeforeClass
    public static void cluster() throws Exception {
        ceph = CephCluster.get();
        ceph.createImage("errors", 4);
    }

    /** Opens with the cluster's options changed by {@code changes}; returns the error, checked to be one line. */
    private static String refusal(Map<String, String> changes, long maxMillis) {
        Map<String, String> o = new HashMap<>(ceph.options("errors"));
        o.putAll(changes);
        long start = System.nanoTime();
        try {
            new RbdTargetFactory().open(new TargetOptions(o)).close();
            fail("opened with " + changes);
            return null;
        } catch (TargetException e) {
            long ms = (System.nanoTime() - start) / 1_000_000;
            String m = e.getMessage();
            System.out.println(changes + " -> " + m + " (" + ms + " ms)");
            assertFalse(m, m.contains("\n"));
            assertTrue(changes + " took " + ms + " ms", ms < maxMillis);
            return m;
        }
    }

    @Test
    public void missingPoolAndImage() {
        assertEquals("pool nopool does not exist", refusal(Map.of("pool", "nopool"), 10_000));
        assertEquals("image nope does not exist in pool rbd", refusal(Map.of("image", "nope"), 10_000));
    }

    @Test
    public void unreachableMonitorsFailInBoundedTime() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Path conf = ceph.dir.resolve("nowhere.conf");
        Files.writeString(conf, "[global]\nmon host = v1:127.0.0.1:" + port + "\nkeyring = " + ceph.dir.resolve("keyring")
                + "\nms bind msgr2 = false\n");
        String m = refusal(Map.of("conf", conf.toString(), "timeout", "3"), 12_000);
        assertEquals("cannot reach the Ceph monitors within 3 s (as client.admin)", m);
    }

    @Test
    public void wrongCredentials() throws Exception {
        Path keyring = ceph.dir.resolve("wrong.keyring");
        Files.writeString(keyring, "[client.admin]\n\tkey = AQBQ0kVlAAAAABAAbm90IHRoZSByaWdodCBrZXk=\n");
        String m = refusal(Map.of("keyring", keyring.toString(), "timeout", "5"), 15_000);
        assertTrue(m, m.startsWith("the Ceph cluster refused client.admin's credentials")
                || m.startsWith("cannot reach the Ceph monitors"));
        m = refusal(Map.of("id", "nobody", "timeout", "5"), 15_000);
        assertTrue(m, m.contains("client.nobody"));
    }

    @Test
    public void missingConfigurationFile() {
        assertTrue(refusal(Map.of("conf", "/nonexistent/ceph.conf"), 5_000).startsWith("cannot read /nonexistent/ceph.conf"));
    }

    @Test
    public void badOptions() {
        assertEquals("option --image is required", refusal(Map.of("image", ""), 1_000));
        assertEquals("--timeout: not a number of seconds: soon", refusal(Map.of("timeout", "soon"), 1_000));
    }
}
