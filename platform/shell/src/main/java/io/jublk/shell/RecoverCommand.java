package io.jublk.shell;

import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.UblkService;
import io.jublk.target.OptionSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Session;

/** {@code ublk:recover -n ID}: serve a device left by a previous server (or without its target) again. */
final class RecoverCommand extends UblkCommand {
    static final OptionSpec NUMBER = OptionSpec.value("number", "n", "ID", "the device to serve again", true);
    static final List<OptionSpec> OPTIONS = List.of(NUMBER);

    RecoverCommand(UblkService ublk) {
        super(ublk, "recover", "Serve a ublk device again after its server or its target went away", OPTIONS);
    }

    @Override
    void execute(List<String> args, PrintStream out) throws UsageException, IOException {
        String given = parse(args).get(NUMBER.name());
        if (given == null) {
            throw new UsageException("ublk:recover needs -n ID");
        }
        DeviceStatus status = ublk.recover(Options.number(NUMBER, given, 0, DeviceSpec.MAX_ID));
        out.println("dev id " + status.id() + ": /dev/ublkb" + status.id() + " " + status.info().state());
    }

    @Override
    String help(List<String> args) {
        return help("Serves device ID again: one left QUIESCED by a crashed or killed server is taken over with"
                + " user recovery, one whose target is away gets a fresh target. Returns once the device is LIVE;"
                + " otherwise says why, and the device stays recoverable.", "ublk:recover -n ID");
    }

    @Override
    void completeValue(OptionSpec option, Session session, CommandLine line, List<Candidate> out) {
        deviceIds(false, out);
    }
}
