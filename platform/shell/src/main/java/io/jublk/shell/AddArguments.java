package io.jublk.shell;

import io.jublk.core.device.DataTransfer;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.HoldPolicy;
import io.jublk.core.device.RecoveryMode;
import io.jublk.target.OptionSpec;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code ublk:add TYPE [-n ID] [-q QUEUES] [-d DEPTH] [--recovery MODE] [--user-copy | --no-zero-copy]
 * [target options]} into a {@link DeviceSpec}. Target options are those the type's {@link TargetFactory} declares, as
 * {@code --name VALUE}, {@code --name=VALUE} or {@code -x VALUE}. Every mistake is one line of error.
 */
final class AddArguments {
    /** A week: longer hold or timeout values are typing mistakes. */
    private static final int MAX_SECONDS = 7 * 24 * 3600;

    private AddArguments() {
    }

    static DeviceSpec parse(List<String> args, Collection<TargetFactory> targets, RecoveryMode defaultRecovery)
            throws UsageException {
        if (args.isEmpty() || args.get(0).startsWith("-")) {
            throw new UsageException("usage: ublk:add TYPE [-n ID] [-q QUEUES] [-d DEPTH] [--recovery MODE]"
                    + " [--fail-after S] [--target-timeout S] [--user-copy | --no-zero-copy] [target options]"
                    + " (types: " + typeNames(targets) + ")");
        }
        String type = args.get(0);
        TargetFactory factory = targets.stream().filter(t -> t.type().equals(type)).findFirst()
                .orElseThrow(() -> new UsageException("unknown target type '" + type + "' (available: "
                        + typeNames(targets) + ")"));
        int id = -1;
        int queues = DeviceSpec.DEFAULT_QUEUES;
        int depth = DeviceSpec.DEFAULT_DEPTH;
        RecoveryMode recovery = defaultRecovery;
        int failAfter = (int) HoldPolicy.DEFAULT.failAfter().toSeconds();
        int targetTimeout = (int) HoldPolicy.DEFAULT.targetTimeout().toSeconds();
        DataTransfer transfer = DataTransfer.AUTO;
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < args.size(); i++) {
            String arg = args.get(i);
            String inlineValue = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                inlineValue = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "-n", "--number" -> id = number(arg, value(args, ++i, arg, inlineValue), -1, DeviceSpec.MAX_ID);
                case "-q", "--queues" -> queues = number(arg, value(args, ++i, arg, inlineValue), 1, DeviceSpec.MAX_QUEUES);
                case "-d", "--depth" -> depth = number(arg, value(args, ++i, arg, inlineValue), 1, 4096);
                case "--recovery" -> recovery = recovery(value(args, ++i, arg, inlineValue));
                case "--fail-after" -> failAfter = number(arg, value(args, ++i, arg, inlineValue), 0, MAX_SECONDS);
                case "--target-timeout" -> targetTimeout = number(arg, value(args, ++i, arg, inlineValue), 1,
                        MAX_SECONDS);
                case "--user-copy" -> transfer = transfer(transfer, DataTransfer.USER_COPY);
                case "--no-zero-copy" -> transfer = transfer(transfer, DataTransfer.COPY);
                default -> {
                    OptionSpec spec = targetOption(factory, arg);
                    if (spec.isFlag()) {
                        options.put(spec.name(), "true");
                    } else {
                        options.put(spec.name(), inlineValue != null ? inlineValue : value(args, ++i, arg, null));
                    }
                }
            }
        }
        return new DeviceSpec(id, queues, depth, DeviceSpec.DEFAULT_MAX_IO_BYTES, recovery, type,
                new TargetOptions(options), transfer,
                new HoldPolicy(Duration.ofSeconds(failAfter), Duration.ofSeconds(targetTimeout)));
    }

    private static DataTransfer transfer(DataTransfer before, DataTransfer asked) throws UsageException {
        if (before != DataTransfer.AUTO && before != asked) {
            throw new UsageException("--user-copy and --no-zero-copy exclude each other");
        }
        return asked;
    }

    private static OptionSpec targetOption(TargetFactory factory, String arg) throws UsageException {
        for (OptionSpec s : factory.options()) {
            if (arg.equals("--" + s.name()) || (s.shortName() != null && arg.equals("-" + s.shortName()))) {
                return s;
            }
        }
        throw new UsageException("unknown option " + arg + " for target " + factory.type() + " (ublk:targets lists its options)");
    }

    private static String value(List<String> args, int i, String option, String inline) throws UsageException {
        if (inline != null) {
            return inline;
        }
        if (i >= args.size()) {
            throw new UsageException("option " + option + " needs a value");
        }
        return args.get(i);
    }

    private static int number(String option, String text, int min, int max) throws UsageException {
        try {
            int v = Integer.parseInt(text);
            if (v < min || v > max) {
                throw new UsageException(option + " must be " + min + ".." + max + ", not " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " needs a number, not '" + text + "'");
        }
    }

    static RecoveryMode recovery(String text) throws UsageException {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "none", "off", "0" -> RecoveryMode.NONE;
            case "recovery", "on", "1" -> RecoveryMode.RECOVERY;
            case "reissue" -> RecoveryMode.REISSUE;
            case "fail-io", "fail_io" -> RecoveryMode.FAIL_IO;
            default -> throw new UsageException("--recovery takes none, recovery, reissue or fail-io, not '" + text + "'");
        };
    }

    private static String typeNames(Collection<TargetFactory> targets) {
        return targets.isEmpty() ? "none installed" : String.join(", ", targets.stream().map(TargetFactory::type).toList());
    }
}
