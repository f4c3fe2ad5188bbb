package io.jublk.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.core.device.DataTransfer;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.RecoveryMode;
import io.jublk.target.OptionSpec;
import io.jublk.target.Target;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import java.util.List;
import org.junit.Test;

public class AddArgumentsTest {
    private static final List<TargetFactory> TARGETS = List.of(new Fake("null", OptionSpec.value("size", "s", "SIZE", "size", false)),
            new Fake("loop", OptionSpec.value("file", "f", "FILE", "backing file", true), OptionSpec.flag("read-only", "ro")));

    @Test
    public void defaultsAndCoreOptions() throws Exception {
        DeviceSpec s = AddArguments.parse(List.of("null"), TARGETS, RecoveryMode.REISSUE);
        assertEquals(-1, s.id());
        assertEquals(1, s.queues());
        assertEquals(128, s.depth());
        assertEquals(RecoveryMode.REISSUE, s.recovery());
        assertEquals(DataTransfer.AUTO, s.transfer());
        s = AddArguments.parse(List.of("null", "-n", "3", "-q", "2", "-d", "64", "--recovery", "none", "-s", "1G"),
                TARGETS, RecoveryMode.REISSUE);
        assertEquals(3, s.id());
        assertEquals(2, s.queues());
        assertEquals(64, s.depth());
        assertEquals(RecoveryMode.NONE, s.recovery());
        assertEquals("1G", s.options().get("size"));
    }

    /** etc/io.jublk.core.cfg's defaults fill in what ublk:add leaves out; what it names wins. */
    @Test
    public void theCoresConfiguredDefaults() throws Exception {
        io.jublk.core.device.CoreConfig config = io.jublk.core.device.CoreConfig.of(java.util.Map.of("queues", "4",
                "depth", "32", "recovery", "fail-io", "targetTimeoutSeconds", "7", "failAfterSeconds", "9"));
        DeviceSpec s = AddArguments.parse(List.of("null"), TARGETS, config);
        assertEquals(4, s.queues());
        assertEquals(32, s.depth());
        assertEquals(RecoveryMode.FAIL_IO, s.recovery());
        assertEquals(7, s.hold().targetTimeout().toSeconds());
        assertEquals(9, s.hold().failAfter().toSeconds());
        s = AddArguments.parse(List.of("null", "-q", "2", "--recovery", "none", "--fail-after", "0"), TARGETS, config);
        assertEquals(2, s.queues());
        assertEquals(RecoveryMode.NONE, s.recovery());
        assertEquals(0, s.hold().failAfter().toSeconds());
    }

    @Test
    public void targetOptionsLongShortInlineAndFlags() throws Exception {
        DeviceSpec s = AddArguments.parse(List.of("loop", "--file=/img", "--read-only"), TARGETS, RecoveryMode.NONE);
        assertEquals("/img", s.options().get("file"));
        assertEquals("true", s.options().get("read-only"));
        s = AddArguments.parse(List.of("loop", "-f", "/x"), TARGETS, RecoveryMode.NONE);
        assertEquals("/x", s.options().get("file"));
    }

    @Test
    public void dataTransfer() throws Exception {
        assertEquals(DataTransfer.USER_COPY,
                AddArguments.parse(List.of("null", "--user-copy"), TARGETS, RecoveryMode.NONE).transfer());
        assertEquals(DataTransfer.COPY,
                AddArguments.parse(List.of("loop", "-f", "/x", "--no-zero-copy"), TARGETS, RecoveryMode.NONE).transfer());
        expect(List.of("null", "--user-copy", "--no-zero-copy"), "--user-copy and --no-zero-copy exclude each other");
    }

    @Test
    public void ioCommands() throws Exception {
        assertEquals(io.jublk.core.device.IoCommands.PER_TAG,
                AddArguments.parse(List.of("null"), TARGETS, RecoveryMode.NONE).commands());
        assertEquals(io.jublk.core.device.IoCommands.BATCH,
                AddArguments.parse(List.of("null", "--batch-io"), TARGETS, RecoveryMode.NONE).commands());
        io.jublk.core.device.CoreConfig auto = io.jublk.core.device.CoreConfig.of(java.util.Map.of("ioCommands", "auto"));
        assertEquals("the configured default", io.jublk.core.device.IoCommands.AUTO,
                AddArguments.parse(List.of("null"), TARGETS, auto).commands());
        assertEquals(io.jublk.core.device.IoCommands.PER_TAG,
                AddArguments.parse(List.of("null", "--per-tag-io"), TARGETS, auto).commands());
        expect(List.of("null", "--batch-io", "--per-tag-io"), "--batch-io and --per-tag-io exclude each other");
    }

    @Test
    public void holdPolicy() throws Exception {
        DeviceSpec s = AddArguments.parse(List.of("null", "--fail-after", "30", "--target-timeout=5"), TARGETS,
                RecoveryMode.NONE);
        assertEquals(30, s.hold().failAfter().toSeconds());
        assertEquals(5, s.hold().targetTimeout().toSeconds());
        assertEquals(io.jublk.core.device.HoldPolicy.DEFAULT,
                AddArguments.parse(List.of("null"), TARGETS, RecoveryMode.NONE).hold());
    }

    @Test
    public void recoveryModesByNameAndAlias() throws Exception {
        for (RecoveryMode m : RecoveryMode.values()) {
            String name = AddArguments.modeName(m);
            assertEquals(m, AddArguments.parse(List.of("null", "--recovery=" + name), TARGETS, RecoveryMode.NONE).recovery());
        }
        assertEquals(List.of("none", "recovery", "reissue", "fail-io"),
                java.util.Arrays.stream(RecoveryMode.values()).map(AddArguments::modeName).toList());
        assertEquals(RecoveryMode.FAIL_IO, AddArguments.recovery("FAIL_IO"));
        assertEquals(RecoveryMode.RECOVERY, AddArguments.recovery("1"));
        assertEquals(RecoveryMode.NONE, AddArguments.recovery("off"));
    }

    @Test
    public void aRepeatedOptionKeepsItsLastValueAndAnyIdIsMinusOne() throws Exception {
        DeviceSpec s = AddArguments.parse(List.of("loop", "-f", "/a", "--file", "/b", "-n", "-1", "-q", "1", "--queues=3"),
                TARGETS, RecoveryMode.NONE);
        assertEquals("/b", s.options().get("file"));
        assertEquals(-1, s.id());
        assertEquals(3, s.queues());
        assertEquals("core options are not target options", 1, s.options().asMap().size());
    }

    @Test
    public void badInputGetsOneLine() {
        expect(List.of(), "usage: ublk:add TYPE");
        expect(List.of("nope"), "unknown target type 'nope' (available: null, loop)");
        expect(List.of("null", "-q", "0"), "-q must be 1..4096, not 0");
        expect(List.of("null", "-d", "5000"), "-d must be 1..4096, not 5000");
        expect(List.of("null", "-d", "x"), "-d needs a number, not 'x'");
        expect(List.of("null", "-n"), "option -n needs a value");
        expect(List.of("null", "-f", "/x"), "unknown option -f for target null");
        expect(List.of("null", "--recovery", "maybe"), "--recovery takes none, recovery, reissue or fail-io");
        expect(List.of("null", "--queues=0"), "-q must be 1..4096, not 0");
        expect(List.of("null", "-n", "1048576"), "-n must be -1..1048575");
        expect(List.of("loop", "--read-only=yes"), "option --read-only takes no value");
        expect(List.of("null", "1G"), "unexpected argument '1G' for target null (ublk:add null --help lists its options)");
        expect(List.of("-q", "2", "null"), "usage: ublk:add TYPE");
    }

    private static void expect(List<String> args, String message) {
        try {
            AddArguments.parse(args, TARGETS, RecoveryMode.NONE);
            fail("accepted " + args);
        } catch (UsageException e) {
            assertTrue(e.getMessage(), e.getMessage().contains(message));
            assertTrue("one line: " + e.getMessage(), !e.getMessage().contains("\n"));
        }
    }

    private record Fake(String type, List<OptionSpec> options) implements TargetFactory {
        Fake(String type, OptionSpec... options) {
            this(type, List.of(options));
        }

        @Override
        public String description() {
            return type;
        }

        @Override
        public Target open(TargetOptions o) {
            throw new UnsupportedOperationException();
        }
    }
}
