package io.jublk.shell;

import io.jublk.target.OptionSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a console command's options against the ones it declares, spelt alike for every ublk: command and
 * every target type: {@code -x VALUE}, {@code --name VALUE}, {@code --name=VALUE}, and flags as {@code -x}
 * or {@code --name}. Each mistake is one line.
 */
final class Options {
    private Options() {
    }

    /**
     * The options given, by {@link OptionSpec#name()}, in the order given ("true" for a flag; a repeated option
     * keeps its last value).
     *
     * @param unknownHint what follows "unknown option X" in the error, e.g. " for target null"
     */
    static Map<String, String> parse(List<String> args, List<OptionSpec> specs, String unknownHint)
            throws UsageException {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                inline = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            OptionSpec spec = find(specs, arg);
            if (spec == null) {
                throw new UsageException((arg.startsWith("-") ? "unknown option " + arg : "unexpected argument '" + arg + "'")
                        + unknownHint);
            }
            if (spec.isFlag()) {
                if (inline != null) {
                    throw new UsageException("option " + arg + " takes no value");
                }
                values.put(spec.name(), "true");
            } else if (inline != null) {
                values.put(spec.name(), inline);
            } else if (i + 1 < args.size()) {
                values.put(spec.name(), args.get(++i));
            } else {
                throw new UsageException("option " + arg + " needs a value");
            }
        }
        return values;
    }

    /** The option {@code arg} ({@code --name} or {@code -x}) names, or null. */
    static OptionSpec find(List<OptionSpec> specs, String arg) {
        for (OptionSpec s : specs) {
            if (arg.equals("--" + s.name()) || (s.shortName() != null && arg.equals("-" + s.shortName()))) {
                return s;
            }
        }
        return null;
    }

    /** How messages name an option: by its short form where it has one, as most users type it. */
    static String shortest(OptionSpec o) {
        return o.shortName() != null ? "-" + o.shortName() : "--" + o.name();
    }

    /** How help shows an option: {@code -f, --file PATH}. */
    static String synopsis(OptionSpec o) {
        return (o.shortName() != null ? "-" + o.shortName() + ", " : "") + "--" + o.name()
                + (o.isFlag() ? "" : " " + o.argument());
    }

    static int number(OptionSpec option, String text, int min, int max) throws UsageException {
        String name = shortest(option);
        try {
            int v = Integer.parseInt(text);
            if (v < min || v > max) {
                throw new UsageException(name + " must be " + min + ".." + max + ", not " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a number, not '" + text + "'");
        }
    }
}
