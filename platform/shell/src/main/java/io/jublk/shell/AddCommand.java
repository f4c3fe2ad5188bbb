package io.jublk.shell;

import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.device.UblkService;
import java.io.IOException;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code ublk:add TYPE [options]}: make a device and serve it. */
@Component(service = AddCommand.class, property = {"osgi.command.scope=ublk", "osgi.command.function=add"})
public class AddCommand {

    @Reference
    private UblkService ublk;

    @Descriptor("add a ublk device: ublk:add TYPE [-n ID] [-q QUEUES] [-d DEPTH] [--recovery none|recovery|reissue|fail-io]"
            + " [--fail-after SECONDS (0: hold I/O until the target is back)] [--target-timeout SECONDS]"
            + " [--user-copy | --no-zero-copy] [target options]; ublk:targets lists the types and their options."
            + " Data moves by zero copy where the kernel (6.16+) and the target can, else by copy;"
            + " --user-copy: the server copies it through /dev/ublkcN (USER_COPY), --no-zero-copy: copy mode always")
    public void add(@Descriptor("TYPE and options") String... args) throws IOException {
        DeviceSpec spec;
        try {
            // Devices made at the console survive their server by default (issue: no lost device).
            spec = AddArguments.parse(List.of(args), ublk.targets(), RecoveryMode.REISSUE);
        } catch (UsageException | IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        RecoveryMode wanted = spec.recovery();
        long missing = wanted.flags() & ~ublk.kernelFeatures();
        if (missing != 0 && wanted == RecoveryMode.REISSUE && !mentions(args, "--recovery")) {
            // the default is a wish, not a demand: a kernel without recovery still gets a device
            spec = new DeviceSpec(spec.id(), spec.queues(), spec.depth(), spec.maxIoBytes(), RecoveryMode.NONE,
                    spec.targetType(), spec.options(), spec.transfer(), spec.hold());
        }
        DeviceStatus status = ublk.add(spec);
        System.out.println("dev id " + status.id() + ": /dev/ublkb" + status.id() + " " + status.info().state());
    }

    private static boolean mentions(String[] args, String option) {
        for (String a : args) {
            if (a.equals(option) || a.startsWith(option + "=")) {
                return true;
            }
        }
        return false;
    }
}
