package io.jublk.target;

/**
 * One option a target type takes.
 *
 * @param name         long name without dashes, e.g. {@code file}; the key in {@link TargetOptions}
 * @param shortName    one-letter alias without the dash (e.g. {@code f}), or null
 * @param argument     name of the value in help (e.g. {@code FILE}), or null for a flag
 * @param help         one line of help
 * @param required     whether add fails without it
 */
public record OptionSpec(String name, String shortName, String argument, String help, boolean required) {

    public boolean isFlag() {
        return argument == null;
    }

    public static OptionSpec value(String name, String shortName, String argument, String help, boolean required) {
        return new OptionSpec(name, shortName, argument, help, required);
    }

    public static OptionSpec flag(String name, String help) {
        return new OptionSpec(name, null, null, help, false);
    }
}
