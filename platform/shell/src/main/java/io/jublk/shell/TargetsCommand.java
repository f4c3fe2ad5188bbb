package io.jublk.shell;

import io.jublk.core.device.UblkService;
import io.jublk.target.OptionSpec;
import io.jublk.target.TargetFactory;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code ublk:targets}: the target types installed now, and their options. */
@Component(service = TargetsCommand.class, property = {"osgi.command.scope=ublk", "osgi.command.function=targets"})
public class TargetsCommand {

    @Reference
    private UblkService ublk;

    @Descriptor("list the installed target types and their options")
    public void targets() {
        StringBuilder out = new StringBuilder();
        for (TargetFactory t : ublk.targets()) {
            out.append(t.type()).append(": ").append(t.description()).append('\n');
            for (OptionSpec o : t.options()) {
                String name = (o.shortName() != null ? "-" + o.shortName() + ", " : "") + "--" + o.name()
                        + (o.isFlag() ? "" : " " + o.argument());
                out.append(String.format("    %-24s %s%s%n", name, o.help(), o.required() ? " (required)" : ""));
            }
        }
        System.out.println(out.length() == 0 ? "no target types installed" : out.toString().stripTrailing());
    }
}
