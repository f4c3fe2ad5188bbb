package io.jublk.target.rbd;

import static org.junit.Assert.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** Without librbd the factory still works: its description says why rbd is unavailable, open fails in one line. */
public class LibrbdAbsenceTest {

    @Test
    public void theTypeSaysWhyItIsUnavailable() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        CephCluster.Result r = CephCluster.run(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-D" + Librbd.LIBRBD_PROPERTY + "=/nonexistent/librbd.so.1", "-cp", System.getProperty("java.class.path"),
                WithoutLibrbd.class.getName()), 60, Map.of());
        assertEquals(r.output(), 0, r.exit());
        String why = "/nonexistent/librbd.so.1 not found: install librbd1 (Debian/Ubuntu: apt install librbd1), or"
                + " point -Djublk.librbd and -Djublk.librados at the libraries";
        assertEquals("a disk backed by a Ceph RBD image (librbd, cache off, exclusive lock); UNAVAILABLE: " + why + "\n"
                + "rbd is unavailable: " + why + "\n", r.output());
    }
}
