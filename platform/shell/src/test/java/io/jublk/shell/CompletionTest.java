package io.jublk.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jublk.core.uapi.DeviceState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** What the console proposes on TAB for each position of the ublk: commands (the console filters by what was typed). */
public class CompletionTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private final Console console = new Console();

    @Test
    public void commandNamesScopedAndNot() {
        List<String> names = console.complete("ub");
        assertTrue(names.toString(), names.containsAll(List.of("ublk:add", "add", "ublk:del", "ublk:list", "ublk:features",
                "ublk:targets")));
        assertFalse("in the ublk subshell, names without scope", console.complete("a", true).contains("ublk:add"));
    }

    @Test
    public void addProposesTheLiveTargetTypesFirst() {
        assertEquals(List.of("loop", "null"), console.complete("ublk:add "));
        assertEquals(List.of("loop", "null"), console.complete("add n"));
        assertEquals(List.of("loop", "null"), console.complete("add n", true));
    }

    @Test
    public void addProposesCoreAndTargetOptions() {
        List<String> loop = console.complete("ublk:add loop ");
        assertTrue(loop.toString(), loop.containsAll(List.of("-n", "--number", "-q", "--queues", "-d", "--depth",
                "--recovery", "-f", "--file", "--offset", "--read-only", "--help")));
        assertFalse("no other type's options: " + loop, loop.contains("--size"));
        List<String> nul = console.complete("ublk:add null -q 2 --");
        assertTrue(nul.toString(), nul.containsAll(List.of("--size", "-s", "--number", "--depth")));
        assertFalse("an option given is not proposed again: " + nul, nul.contains("--queues") || nul.contains("-q"));
        List<String> afterFlag = console.complete("ublk:add loop --read-only --recovery=none ");
        assertFalse(afterFlag.toString(), afterFlag.contains("--read-only") || afterFlag.contains("--recovery"));
        assertTrue(afterFlag.toString(), afterFlag.contains("--file"));
        assertEquals("unknown type: nothing", List.of(), console.complete("ublk:add nosuch "));
    }

    @Test
    public void optionValues() {
        assertEquals(List.of("none", "recovery", "reissue", "fail-io"), console.complete("ublk:add null --recovery "));
        assertEquals(List.of("none", "recovery", "reissue", "fail-io"), console.complete("ublk:add loop -f /x --recovery r"));
        assertEquals("a number: nothing to propose", List.of(), console.complete("ublk:add null -n "));
        assertEquals(List.of(), console.complete("ublk:add null --size "));
    }

    @Test
    public void fileOptionsCompleteAsPaths() throws Exception {
        Path dir = tmp.getRoot().toPath();
        Files.createFile(dir.resolve("disk.img"));
        Files.createDirectory(dir.resolve("images"));
        List<String> files = console.complete("ublk:add loop -f " + dir + "/d");
        assertTrue(files.toString(), files.contains(dir + "/disk.img"));
        assertTrue(files.toString(), files.contains(dir + "/images/"));
        files = console.complete("ublk:add loop --recovery none --file " + dir + "/");
        assertTrue(files.toString(), files.contains(dir + "/disk.img"));
    }

    @Test
    public void deviceIds() {
        console.ublk.served.add(FakeUblk.device(3, DeviceState.LIVE, 0, "null"));
        console.ublk.served.add(FakeUblk.device(1, DeviceState.LIVE, 0, "loop"));
        console.ublk.unserved.add(FakeUblk.device(7, DeviceState.QUIESCED, 0, null));
        assertEquals("del: this server's devices", List.of("1", "3"), console.complete("ublk:del -n "));
        assertEquals("list: all the kernel's", List.of("1", "3", "7"), console.complete("ublk:list --number "));
        assertEquals(List.of("--number", "-n", "--json", "--help"), console.complete("ublk:list "));
        assertTrue(console.complete("ublk:del ").containsAll(List.of("-n", "-a", "--all", "--help")));
        console.ublk.noDriver = true;
        assertEquals("no driver: no ids, no error", List.of(), console.complete("ublk:del -n "));
    }

    @Test
    public void otherCommandsLinesAreNotOurs() {
        console.unscoped.put("list", "bundle:list");
        assertEquals(List.of(), console.complete("list "));
        assertEquals(List.of(), console.complete("bundle:list -"));
        assertEquals(List.of(), console.complete("feature:install "));
        assertTrue(console.complete("list ", true).contains("--json"));
    }
}
