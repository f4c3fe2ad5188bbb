package io.jublk.shell;

import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.UblkService;
import java.io.IOException;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code ublk:recover -n ID}: serve a device left by a previous server (or without its target) again. */
@Component(service = RecoverCommand.class, property = {"osgi.command.scope=ublk", "osgi.command.function=recover"})
public class RecoverCommand {

    @Reference
    private UblkService ublk;

    @Descriptor("serve device ID again: one left QUIESCED by a crashed or killed server is taken over with user"
            + " recovery, one whose target is away gets a fresh target; returns once it is LIVE")
    public void recover(@Descriptor("device id") @Parameter(names = {"-n", "--number"}, absentValue = "-1") int id)
            throws IOException {
        if (id < 0) {
            throw new IllegalArgumentException("ublk:recover needs -n ID");
        }
        DeviceStatus status = ublk.recover(id);
        System.out.println("dev id " + status.id() + ": /dev/ublkb" + status.id() + " " + status.info().state());
    }
}
