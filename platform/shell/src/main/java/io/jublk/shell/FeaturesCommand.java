package io.jublk.shell;

import io.jublk.core.device.UblkService;
import io.jublk.core.uapi.Feature;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/** {@code ublk:features}: what the running kernel's ublk driver supports. */
final class FeaturesCommand extends UblkCommand {

    FeaturesCommand(UblkService ublk) {
        super(ublk, "features", "Show the features of the kernel's ublk driver (GET_FEATURES)", List.of());
    }

    @Override
    void execute(List<String> args, PrintStream out) throws UsageException, IOException {
        parse(args);
        out.println(format(ublk.kernelFeatures()));
    }

    /** The reference server's layout: a hex line, then one feature a line. */
    static String format(long flags) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("ublk_drv features: 0x%x%n", flags));
        for (Feature f : Feature.decode(flags)) {
            out.append(String.format("\t%-22s 0x%x%n", f.name(), f.mask()));
        }
        long unknown = Feature.unknownBits(flags);
        if (unknown != 0) {
            out.append(String.format("\t%-22s 0x%x%n", "(unknown to jublk)", unknown));
        }
        return out.toString().stripTrailing();
    }

    @Override
    String help(List<String> args) {
        return help("Shows the UBLK_F_* features the running kernel's ublk driver supports (GET_FEATURES), one a"
                + " line.", "ublk:features");
    }
}
