package io.jublk.shell;

import io.jublk.core.device.UblkService;
import io.jublk.target.OptionSpec;
import io.jublk.target.TargetFactory;
import java.io.PrintStream;
import java.util.List;

/** {@code ublk:targets}: the target types installed now, and their options. */
final class TargetsCommand extends UblkCommand {

    TargetsCommand(UblkService ublk) {
        super(ublk, "targets", "List the installed target types and their options");
    }

    @Override
    void execute(List<String> args, PrintStream out) throws UsageException {
        Options.parse(args, List.of(), " (ublk:targets takes none)");
        StringBuilder text = new StringBuilder();
        for (TargetFactory t : ublk.targets()) {
            text.append(HelpText.target(t));
        }
        out.println(text.isEmpty() ? "no target types installed" : text.toString().stripTrailing());
    }

    @Override
    String help(List<String> args) {
        return new HelpText("ublk:targets", "Lists the target types installed now (ublk:add TYPE), each with its"
                + " options.", "ublk:targets").options("OPTIONS", List.of()).toString();
    }

    @Override
    List<OptionSpec> options(List<String> before) {
        return List.of();
    }
}
