package io.jublk.shell;

import io.jublk.core.device.UblkService;
import java.util.List;
import org.apache.karaf.shell.api.console.Registry;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Puts the ublk: commands into Karaf's console while the core's service is there. Registered with Karaf's
 * registry rather than as Gogo services, because only there a command has a completer and help.
 */
@Component(immediate = true)
public class UblkConsole {
    @Reference
    private UblkService ublk;

    @Reference
    private SessionFactory console;

    private List<UblkCommand> commands = List.of();

    @Activate
    void activate() {
        commands = List.of(new AddCommand(ublk), new DelCommand(ublk), new ListCommand(ublk), new FeaturesCommand(ublk),
                new TargetsCommand(ublk), new RecoverCommand(ublk), new StatCommand(ublk));
        Registry registry = console.getRegistry();
        commands.forEach(registry::register);
    }

    @Deactivate
    void deactivate() {
        Registry registry = console.getRegistry();
        commands.forEach(registry::unregister);
        commands = List.of();
    }
}
