package io.jublk.shell;

import io.jublk.core.device.CoreConfig;
import io.jublk.core.device.DataTransfer;
import io.jublk.core.device.IoCommands;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.HoldPolicy;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.uapi.IoDesc;
import io.jublk.target.OptionSpec;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses {@code ublk:add TYPE [-n ID] [-q QUEUES] [-d DEPTH] [--recovery MODE] [...] [target options]} into a
 * {@link DeviceSpec}. Target options are those the type's {@link TargetFactory} declares, spelt as
 * {@link Options} reads them. Every mistake is one line of error.
 */
final class AddArguments {
    static final String SYNTAX = "ublk:add TYPE [-n ID] [-q QUEUES] [-d DEPTH] [--recovery MODE] [--fail-after S]"
            + " [--target-timeout S] [--user-copy | --no-zero-copy] [--batch-io | --per-tag-io] [--save NAME]"
            + " [target options]";

    static final OptionSpec NUMBER = OptionSpec.value("number", "n", "ID",
            "device id, 0.." + DeviceSpec.MAX_ID + " (default: a free one)", false);
    static final OptionSpec QUEUES = OptionSpec.value("queues", "q", "QUEUES",
            "hardware queues, one server thread each, 1.." + DeviceSpec.MAX_QUEUES + " (default "
                    + DeviceSpec.DEFAULT_QUEUES + ")", false);
    static final OptionSpec DEPTH = OptionSpec.value("depth", "d", "DEPTH",
            "requests in flight per queue, 1.." + IoDesc.MAX_QUEUE_DEPTH + " (default " + DeviceSpec.DEFAULT_DEPTH + ")",
            false);
    static final OptionSpec RECOVERY = OptionSpec.value("recovery", null, "MODE",
            "when the server dies: none, recovery, reissue or fail-io (default: reissue if the kernel has it,"
                    + " else none)", false);
    static final OptionSpec FAIL_AFTER = OptionSpec.value("fail-after", null, "SECONDS",
            "while the device has no target, hold its I/O this long, then fail it with EIO (default 0: hold until"
                    + " a target is back)", false);
    static final OptionSpec TARGET_TIMEOUT = OptionSpec.value("target-timeout", null, "SECONDS",
            "a target that sits on a request this long is replaced by a fresh one (default "
                    + HoldPolicy.DEFAULT.targetTimeout().toSeconds() + ")", false);
    static final OptionSpec USER_COPY = OptionSpec.flag("user-copy",
            "the server copies request data through /dev/ublkcN (USER_COPY) instead of the kernel");
    static final OptionSpec NO_ZERO_COPY = OptionSpec.flag("no-zero-copy",
            "copy mode even where the kernel and the target could do zero copy");
    static final OptionSpec BATCH_IO = OptionSpec.flag("batch-io",
            "per-queue batch commands (UBLK_F_BATCH_IO, Linux 7.0+) instead of one command per request");
    static final OptionSpec PER_TAG_IO = OptionSpec.flag("per-tag-io",
            "one command per request even where the kernel has batch commands");
    static final OptionSpec SAVE = OptionSpec.value("save", null, "NAME",
            "also declare the device in etc/io.jublk.device-NAME.cfg: made again at every start when missing,"
                    + " deleted when the file goes", false);
    /** ublk:add's own options, whatever the target type. */
    static final List<OptionSpec> CORE = List.of(NUMBER, QUEUES, DEPTH, RECOVERY, FAIL_AFTER, TARGET_TIMEOUT,
            USER_COPY, NO_ZERO_COPY, BATCH_IO, PER_TAG_IO, SAVE);
    /** A week: longer hold or timeout values are typing mistakes. */
    private static final int MAX_SECONDS = 7 * 24 * 3600;

    private AddArguments() {
    }

    static DeviceSpec parse(List<String> args, Collection<TargetFactory> targets, RecoveryMode defaultRecovery)
            throws UsageException {
        return parse(args, targets, CoreConfig.DEFAULT.withRecovery(defaultRecovery));
    }

    /** With the core's configured defaults for what {@code args} leave out. */
    static DeviceSpec parse(List<String> args, Collection<TargetFactory> targets, CoreConfig defaults)
            throws UsageException {
        if (args.isEmpty() || args.get(0).startsWith("-")) {
            throw new UsageException("usage: " + SYNTAX + " (types: " + typeNames(targets) + ")");
        }
        String type = args.get(0);
        TargetFactory factory = targets.stream().filter(t -> t.type().equals(type)).findFirst()
                .orElseThrow(() -> new UsageException("unknown target type '" + type + "' (available: "
                        + typeNames(targets) + ")"));
        Map<String, String> given = Options.parse(args.subList(1, args.size()), options(factory),
                " for target " + type + " (ublk:add " + type + " --help lists its options)");
        int id = given.containsKey(NUMBER.name()) ? Options.number(NUMBER, given.remove(NUMBER.name()), -1, DeviceSpec.MAX_ID) : -1;
        int queues = given.containsKey(QUEUES.name())
                ? Options.number(QUEUES, given.remove(QUEUES.name()), 1, DeviceSpec.MAX_QUEUES) : defaults.queues();
        int depth = given.containsKey(DEPTH.name())
                ? Options.number(DEPTH, given.remove(DEPTH.name()), 1, IoDesc.MAX_QUEUE_DEPTH) : defaults.depth();
        RecoveryMode recovery = given.containsKey(RECOVERY.name()) ? recovery(given.remove(RECOVERY.name())) : defaults.recovery();
        int failAfter = given.containsKey(FAIL_AFTER.name())
                ? Options.number(FAIL_AFTER, given.remove(FAIL_AFTER.name()), 0, MAX_SECONDS)
                : (int) defaults.hold().failAfter().toSeconds();
        int targetTimeout = given.containsKey(TARGET_TIMEOUT.name())
                ? Options.number(TARGET_TIMEOUT, given.remove(TARGET_TIMEOUT.name()), 1, MAX_SECONDS)
                : (int) defaults.hold().targetTimeout().toSeconds();
        given.remove(SAVE.name()); // the command's business (saveName), not the device's
        boolean userCopy = given.remove(USER_COPY.name()) != null;
        boolean noZeroCopy = given.remove(NO_ZERO_COPY.name()) != null;
        if (userCopy && noZeroCopy) {
            throw new UsageException("--user-copy and --no-zero-copy exclude each other");
        }
        DataTransfer transfer = userCopy ? DataTransfer.USER_COPY : noZeroCopy ? DataTransfer.COPY : DataTransfer.AUTO;
        boolean batch = given.remove(BATCH_IO.name()) != null;
        boolean perTag = given.remove(PER_TAG_IO.name()) != null;
        if (batch && perTag) {
            throw new UsageException("--batch-io and --per-tag-io exclude each other");
        }
        IoCommands commands = batch ? IoCommands.BATCH : perTag ? IoCommands.PER_TAG : defaults.ioCommands();
        // what is left are the target's own options
        return new DeviceSpec(id, queues, depth, DeviceSpec.DEFAULT_MAX_IO_BYTES, recovery, type, new TargetOptions(given),
                transfer, new HoldPolicy(Duration.ofSeconds(failAfter), Duration.ofSeconds(targetTimeout)), commands);
    }

    /** The NAME of {@code --save NAME}, or null; {@code args} as {@link #parse} took them. */
    static String saveName(List<String> args, Collection<TargetFactory> targets) throws UsageException {
        TargetFactory factory = targets.stream().filter(t -> t.type().equals(args.get(0))).findFirst().orElseThrow();
        return Options.parse(args.subList(1, args.size()), options(factory), "").get(SAVE.name());
    }

    /** The options ublk:add takes for a target type: its own, then the type's. */
    static List<OptionSpec> options(TargetFactory factory) {
        List<OptionSpec> all = new ArrayList<>(CORE);
        all.addAll(factory.options());
        return all;
    }

    static RecoveryMode recovery(String text) throws UsageException {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "none", "off", "0" -> RecoveryMode.NONE;
            case "recovery", "on", "1" -> RecoveryMode.RECOVERY;
            case "reissue" -> RecoveryMode.REISSUE;
            case "fail-io", "fail_io" -> RecoveryMode.FAIL_IO;
            default -> throw new UsageException("--recovery takes none, recovery, reissue or fail-io, not '" + text + "'");
        };
    }

    /** A mode as --recovery takes it and listings show it: none, recovery, reissue, fail-io. */
    static String modeName(RecoveryMode mode) {
        return mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String typeNames(Collection<TargetFactory> targets) {
        return targets.isEmpty() ? "none installed" : String.join(", ", targets.stream().map(TargetFactory::type).toList());
    }
}
