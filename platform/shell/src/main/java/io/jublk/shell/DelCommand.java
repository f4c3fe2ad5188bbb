package io.jublk.shell;

import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.UblkService;
import java.io.IOException;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code ublk:del -n ID | -a}: stop and delete devices. */
@Component(service = DelCommand.class, property = {"osgi.command.scope=ublk", "osgi.command.function=del"})
public class DelCommand {

    @Reference
    private UblkService ublk;

    @Descriptor("delete a ublk device: ublk:del -n ID, or every device: ublk:del -a")
    public void del(
            @Descriptor("device id") @Parameter(names = {"-n", "--number"}, absentValue = "-1") int id,
            @Descriptor("all devices") @Parameter(names = {"-a", "--all"}, absentValue = "false", presentValue = "true")
            boolean all) throws IOException {
        if (all == (id >= 0)) {
            throw new IllegalArgumentException("ublk:del needs either -n ID or -a");
        }
        if (!all) {
            ublk.delete(id);
            System.out.println("deleted dev id " + id);
            return;
        }
        int n = 0;
        for (DeviceStatus d : ublk.list()) {
            ublk.delete(d.id());
            n++;
        }
        System.out.println("deleted " + n + " device(s)");
    }
}
