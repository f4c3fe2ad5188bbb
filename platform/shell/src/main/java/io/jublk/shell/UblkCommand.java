package io.jublk.shell;

import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.UblkService;
import io.jublk.target.OptionSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.Command;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Parser;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.CommandException;

/**
 * A {@code ublk:} console command: a Karaf console command that parses its own arguments (ublk:add's options
 * depend on the target type, which annotations could not express), completes them and prints its own
 * {@code --help}, which Karaf's {@code help ublk:NAME} shows too.
 *
 * <p>Output goes to {@code System.out} (Karaf gives each session its own): Karaf's ssh exec channel, which
 * {@code bin/client CMD} and {@code bin/ublk} use, never prints a returned value. Wrong input and refusals
 * are {@link CommandException}s: Karaf prints their one line (and ssh exits 1) without logging an ERROR.
 */
abstract class UblkCommand implements Command {
    static final String SCOPE = "ublk";
    static final OptionSpec HELP = OptionSpec.flag("help", "show this help");

    final UblkService ublk;
    private final String name;
    private final String description;
    private final List<OptionSpec> options;

    UblkCommand(UblkService ublk, String name, String description, List<OptionSpec> options) {
        this.ublk = ublk;
        this.name = name;
        this.description = description;
        this.options = options;
    }

    @Override
    public String getScope() {
        return SCOPE;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getDescription() {
        return description;
    }

    @Override
    public Completer getCompleter(boolean scoped) {
        return new CommandCompleter(this, scoped);
    }

    @Override
    public Parser getParser() {
        return null;
    }

    @Override
    public Object execute(Session session, List<Object> arguments) throws Exception {
        List<String> args = new ArrayList<>();
        for (Object a : arguments) {
            args.add(String.valueOf(a));
        }
        run(args, System.out);
        return null;
    }

    /** Runs the command with these arguments; {@code --help} anywhere prints the help instead. */
    final void run(List<String> args, PrintStream out) throws CommandException {
        if (args.contains("--" + HELP.name())) {
            out.println(help(args).stripTrailing());
            return;
        }
        try {
            execute(args, out);
        } catch (UsageException | IOException | IllegalArgumentException e) {
            throw new CommandException(e.getMessage(), e);
        }
    }

    /** The command's work; its output on {@code out}. */
    abstract void execute(List<String> args, PrintStream out) throws UsageException, IOException;

    /** The text of {@code --help}; {@code args} are the command's arguments (ublk:add TYPE --help shows TYPE's). */
    abstract String help(List<String> args);

    /** Help for a command that takes its fixed options only. */
    final String help(String description, String syntax) {
        return new HelpText(SCOPE + ":" + name, description, syntax).options("OPTIONS", options).toString();
    }

    /** The options the command takes after {@code before}, the arguments already given. */
    List<OptionSpec> options(List<String> before) {
        return options;
    }

    /** The fixed options given in {@code args}, by name. */
    final Map<String, String> parse(List<String> args) throws UsageException {
        return Options.parse(args, options, " (" + SCOPE + ":" + name + " --help)");
    }

    /**
     * Proposes values for the argument under the cursor, {@code before} being the arguments before it (without
     * the command's name): an option's value after an option that takes one, else the options not given yet.
     * The console keeps those that start with what was typed.
     */
    void complete(List<String> before, Session session, CommandLine line, List<Candidate> out) {
        List<OptionSpec> specs = options(before);
        Set<String> given = new HashSet<>();
        OptionSpec pending = null;
        for (String word : before) {
            if (pending != null) {
                pending = null;
                continue;
            }
            int eq = word.indexOf('=');
            boolean inline = word.startsWith("--") && eq > 0;
            OptionSpec spec = Options.find(specs, inline ? word.substring(0, eq) : word);
            if (spec != null) {
                given.add(spec.name());
                pending = spec.isFlag() || inline ? null : spec;
            }
        }
        if (pending != null) {
            completeValue(pending, session, line, out);
            return;
        }
        for (OptionSpec s : specs) {
            if (!given.contains(s.name())) {
                out.add(word("--" + s.name(), s.help()));
                if (s.shortName() != null) {
                    out.add(word("-" + s.shortName(), s.help()));
                }
            }
        }
        out.add(word("--" + HELP.name(), HELP.help()));
    }

    /** Proposes values for {@code option}; none by default. */
    void completeValue(OptionSpec option, Session session, CommandLine line, List<Candidate> out) {
    }

    /** The ids of the kernel's ublk devices: this server's, and with {@code unserved} the others too. */
    final void deviceIds(boolean unserved, List<Candidate> out) {
        Set<Integer> ids = new TreeSet<>();
        try {
            for (DeviceStatus d : ublk.list()) {
                ids.add(d.id());
            }
            if (unserved) {
                for (DeviceStatus d : ublk.unserved()) {
                    ids.add(d.id());
                }
            }
        } catch (IOException e) {
            return; // no driver: no ids
        }
        for (int id : ids) {
            out.add(word(String.valueOf(id), null));
        }
    }

    /** A whole word to complete to (the console adds a space after it). */
    static Candidate word(String value, String description) {
        return new Candidate(value, value, null, description, null, null, true);
    }
}
