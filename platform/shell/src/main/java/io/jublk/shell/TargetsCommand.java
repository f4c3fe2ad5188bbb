package io.jublk.shell;

import io.jublk.core.device.UblkService;
import io.jublk.target.TargetFactory;
import java.io.PrintStream;
import java.util.List;

/** {@code ublk:targets}: the target types installed now, and their options. */
final class TargetsCommand extends UblkCommand {

    TargetsCommand(UblkService ublk) {
        super(ublk, "targets", "List the installed target types and their options", List.of());
    }

    @Override
    void execute(List<String> args, PrintStream out) throws UsageException {
        parse(args);
        StringBuilder text = new StringBuilder();
        for (TargetFactory t : ublk.targets()) {
            text.append(HelpText.target(t));
        }
        out.println(text.isEmpty() ? "no target types installed" : text.toString().stripTrailing());
    }

    @Override
    String help(List<String> args) {
        return help("Lists the target types installed now (ublk:add TYPE), each with its options.", "ublk:targets");
    }
}
