package io.jublk.shell;

import io.jublk.core.device.DeclaredDevice;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.device.UblkService;
import io.jublk.target.OptionSpec;
import io.jublk.target.TargetFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.FileCompleter;

/** {@code ublk:add TYPE [options]}: make a device and serve it. */
final class AddCommand extends UblkCommand {
    /** Option values named so are files or block devices: they complete as paths. */
    private static final List<String> PATH_ARGUMENTS = List.of("PATH", "FILE", "IMAGE", "DEVICE");

    AddCommand(UblkService ublk) {
        super(ublk, "add", "Add a ublk device served by a target of type TYPE (ublk:add TYPE --help for its options)",
                AddArguments.CORE);
    }

    @Override
    void execute(List<String> args, PrintStream out) throws UsageException, IOException {
        // Devices made at the console survive their server by default (issue: no lost device): the core's
        // configured recovery, reissue unless etc/io.jublk.core.cfg says otherwise.
        DeviceSpec spec = AddArguments.parse(args, ublk.targets(), ublk.defaults());
        RecoveryMode wanted = spec.recovery();
        long missing = wanted.flags() & ~ublk.kernelFeatures();
        if (missing != 0 && !mentions(args, "--" + AddArguments.RECOVERY.name())) {
            // the default is a wish, not a demand: a kernel without recovery still gets a device
            spec = new DeviceSpec(spec.id(), spec.queues(), spec.depth(), spec.maxIoBytes(), RecoveryMode.NONE,
                    spec.targetType(), spec.options(), spec.transfer(), spec.hold(), spec.commands());
        }
        String save = AddArguments.saveName(args, ublk.targets());
        Path etc = save == null ? null : etc();
        if (save != null) {
            try {
                if (Files.exists(DeclaredDevice.file(etc, save))) {
                    throw new UsageException(DeclaredDevice.file(etc, save) + " exists already");
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException("--save: " + e.getMessage());
            }
        }
        DeviceStatus status = ublk.add(spec);
        out.println("dev id " + status.id() + ": /dev/ublkb" + status.id() + " " + status.info().state());
        if (save != null) {
            try {
                out.println("declared in " + DeclaredDevice.write(etc, save, status.id(), spec));
            } catch (IOException e) {
                throw new IOException("device " + status.id() + " added, but not declared: " + e.getMessage(), e);
            }
        }
    }

    /** Karaf's etc/, where declared devices live. */
    private static Path etc() throws UsageException {
        String etc = System.getProperty("karaf.etc");
        if (etc == null) {
            throw new UsageException("--save needs Karaf's etc/ folder (karaf.etc is not set)");
        }
        return Path.of(etc);
    }

    private static boolean mentions(List<String> args, String option) {
        return args.stream().anyMatch(a -> a.equals(option) || a.startsWith(option + "="));
    }

    @Override
    String help(List<String> args) {
        Collection<TargetFactory> targets = ublk.targets();
        TargetFactory chosen = args.isEmpty() ? null : factory(targets, args.get(0));
        HelpText help = new HelpText("ublk:add", "Adds a ublk device served by a target of type TYPE and returns"
                + " once /dev/ublkbN exists. Wrong options leave no device behind.", AddArguments.SYNTAX);
        help.section("ARGUMENTS").line(String.format("%-24s %s", "TYPE", "the target type: "
                + AddArguments.typeNames(targets) + " (ublk:targets)")).blank();
        help.options("OPTIONS", AddArguments.CORE);
        help.section("TARGET OPTIONS");
        if (chosen != null) {
            help.block(HelpText.target(chosen));
        } else if (targets.isEmpty()) {
            help.line("no target types installed");
        } else {
            targets.forEach(t -> help.block(HelpText.target(t)));
        }
        return help.toString();
    }

    @Override
    List<OptionSpec> options(List<String> before) {
        TargetFactory factory = before.isEmpty() ? null : factory(ublk.targets(), before.get(0));
        return factory != null ? AddArguments.options(factory) : AddArguments.CORE;
    }

    @Override
    void complete(List<String> before, Session session, CommandLine line, List<Candidate> out) {
        if (before.isEmpty()) {
            ublk.targets().forEach(t -> out.add(word(t.type(), t.description())));
        } else if (factory(ublk.targets(), before.get(0)) != null) {
            super.complete(before, session, line, out); // the type is no option: the options' walk passes it by
        }
    }

    @Override
    void completeValue(OptionSpec option, Session session, CommandLine line, List<Candidate> out) {
        if (option.equals(AddArguments.RECOVERY)) {
            for (RecoveryMode m : RecoveryMode.values()) {
                out.add(word(AddArguments.modeName(m), null));
            }
        } else if (PATH_ARGUMENTS.contains(option.argument().toUpperCase(Locale.ROOT))) {
            new FileCompleter().completeCandidates(session, line, out);
        }
    }

    private static TargetFactory factory(Collection<TargetFactory> targets, String type) {
        return targets.stream().filter(t -> t.type().equals(type)).findFirst().orElse(null);
    }
}
