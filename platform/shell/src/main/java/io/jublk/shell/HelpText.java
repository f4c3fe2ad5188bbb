package io.jublk.shell;

import io.jublk.target.OptionSpec;
import io.jublk.target.TargetFactory;
import java.util.List;

/**
 * Help laid out like that of Karaf's own commands (DESCRIPTION, SYNTAX, OPTIONS), without colours: scripts
 * read it through ssh too.
 */
final class HelpText {
    private static final String INDENT = "        ";
    private final StringBuilder text = new StringBuilder();

    HelpText(String command, String description, String syntax) {
        section("DESCRIPTION");
        text.append(INDENT).append(command).append("\n\n");
        text.append(INDENT).append(description).append("\n\n");
        section("SYNTAX");
        text.append(INDENT).append(syntax).append("\n\n");
    }

    HelpText section(String title) {
        text.append(title).append('\n');
        return this;
    }

    HelpText line(String line) {
        text.append(INDENT).append(line).append('\n');
        return this;
    }

    /** Lines of {@code block}, indented. */
    HelpText block(String block) {
        block.lines().forEach(this::line);
        return this;
    }

    HelpText blank() {
        text.append('\n');
        return this;
    }

    /** A section listing options, --help last. */
    HelpText options(String title, List<OptionSpec> options) {
        section(title);
        for (OptionSpec o : options) {
            line(option(o));
        }
        line(option(UblkCommand.HELP));
        text.append('\n');
        return this;
    }

    /** One option as help and ublk:targets show it: {@code -f, --file PATH    backing file (required)}. */
    static String option(OptionSpec o) {
        return String.format("%-24s %s%s", Options.synopsis(o), o.help(), o.required() ? " (required)" : "");
    }

    /** A target type and its options, as ublk:targets shows them (bin/ublk help -t TYPE reads this). */
    static String target(TargetFactory t) {
        StringBuilder b = new StringBuilder(t.type()).append(": ").append(t.description()).append('\n');
        for (OptionSpec o : t.options()) {
            b.append("    ").append(option(o)).append('\n');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
