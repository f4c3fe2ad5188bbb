package io.jublk.shell;

import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.UblkService;
import io.jublk.target.OptionSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Session;

/** {@code ublk:del -n ID | -a}: stop and delete devices. */
final class DelCommand extends UblkCommand {
    static final OptionSpec NUMBER = OptionSpec.value("number", "n", "ID", "the device to delete", false);
    static final OptionSpec ALL = new OptionSpec("all", "a", null, "every device this server serves", false);
    static final List<OptionSpec> OPTIONS = List.of(NUMBER, ALL);

    DelCommand(UblkService ublk) {
        super(ublk, "del", "Stop and delete a ublk device (-n ID), or every device this server serves (-a)", OPTIONS);
    }

    /** What ublk:del is asked: device {@code id}, or {@code all} of them. */
    record Request(int id, boolean all) {
        static Request of(Map<String, String> given) throws UsageException {
            boolean all = given.containsKey(ALL.name());
            if (all == given.containsKey(NUMBER.name())) {
                throw new UsageException("ublk:del needs either -n ID or -a");
            }
            return new Request(all ? -1 : Options.number(NUMBER, given.get(NUMBER.name()), 0, DeviceSpec.MAX_ID), all);
        }
    }

    @Override
    void execute(List<String> args, PrintStream out) throws UsageException, IOException {
        Request request = Request.of(parse(args));
        if (!request.all()) {
            ublk.delete(request.id());
            out.println("deleted dev id " + request.id());
            return;
        }
        int n = 0;
        for (DeviceStatus d : ublk.list()) {
            ublk.delete(d.id());
            n++;
        }
        out.println("deleted " + n + " device(s)");
    }

    @Override
    String help(List<String> args) {
        return help("Stops and deletes a device this server serves, or all of them; also while I/O runs, and"
                + " whatever the device's state.", "ublk:del -n ID | -a");
    }

    @Override
    void completeValue(OptionSpec option, Session session, CommandLine line, List<Candidate> out) {
        deviceIds(false, out);
    }
}
