package io.jublk.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/** Exit status and output of the commands where no driver is needed to judge them. */
public class UblkCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final UblkCli cli = new UblkCli(null, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    private int run(String... args) {
        return cli.run(List.of(args));
    }

    @Test
    public void wrongUsageIsExitTwoWithOneLine() {
        assertEquals(2, run());
        assertEquals(2, run("frob"));
        assertEquals(2, run("del"));
        assertEquals(2, run("del", "-n", "x"));
        assertEquals(2, run("list", "-v"));
        assertEquals(2, run("features", "now"));
        assertEquals("", out.toString());
        assertEquals(6, err.toString().lines().count());
        err.toString().lines().forEach(l -> assertEquals(l, true, l.startsWith("ublk: ")));
    }

    @Test
    public void withoutTheDriverEveryCommandSaysSoInOneLine() {
        assumeFalse("this machine has the ublk driver", Files.exists(Path.of("/dev/ublk-control")));
        String missing = "the kernel's ublk driver is not loaded";
        for (String[] command : new String[][] {{"list"}, {"list", "--json"}, {"list", "-n", "0"}, {"features"},
            {"del", "-n", "0"}, {"del", "-a"}}) {
            err.reset();
            assertEquals(String.join(" ", command), 1, run(command));
            assertEquals("", out.toString());
            assertEquals(err.toString(), 1, err.toString().lines().count());
            assertEquals(err.toString(), true, err.toString().contains(missing));
        }
    }
}
