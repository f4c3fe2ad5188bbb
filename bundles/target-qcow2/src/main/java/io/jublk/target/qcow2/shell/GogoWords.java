package io.jublk.target.qcow2.shell;

/**
 * Gogo finds a command's method by the function's name, and "qcow2-create" is no Java name: such a function
 * is called through {@code _main}, which gets the function's name first and then the words left after the
 * options. This takes the one word a command expects from them.
 */
final class GogoWords {
    private GogoWords() {
    }

    /** The single argument after the function's name in {@code words}, else a one-line usage error. */
    static String single(String[] words, String usage) {
        if (words.length != 2) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        return words[1];
    }
}
