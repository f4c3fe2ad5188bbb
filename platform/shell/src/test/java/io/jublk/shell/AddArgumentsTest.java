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
    public void badInputGetsOneLine() {
        expect(List.of(), "usage: ublk:add TYPE");
        expect(List.of("nope"), "unknown target type 'nope' (available: null, loop)");
        expect(List.of("null", "-q", "0"), "-q must be 1..4096, not 0");
        expect(List.of("null", "-d", "5000"), "-d must be 1..4096, not 5000");
        expect(List.of("null", "-d", "x"), "-d needs a number, not 'x'");
        expect(List.of("null", "-n"), "option -n needs a value");
        expect(List.of("null", "-f", "/x"), "unknown option -f for target null");
        expect(List.of("null", "--recovery", "maybe"), "--recovery takes none, recovery, reissue or fail-io");
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
