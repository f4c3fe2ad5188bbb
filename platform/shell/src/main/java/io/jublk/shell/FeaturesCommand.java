package io.jublk.shell;

import io.jublk.core.device.UblkService;
import io.jublk.core.uapi.Feature;
import java.io.IOException;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code ublk:features}: what the running kernel's ublk driver supports. */
@Component(service = FeaturesCommand.class, property = {
    "osgi.command.scope=ublk",
    "osgi.command.function=features"
})
public class FeaturesCommand {

    @Reference
    private UblkService ublk;

    @Descriptor("show the features of the kernel's ublk driver (GET_FEATURES)")
    public void features() throws IOException {
        System.out.println(format(ublk.kernelFeatures()));
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
}
