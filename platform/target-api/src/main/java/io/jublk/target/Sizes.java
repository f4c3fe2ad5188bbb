package io.jublk.target;

/** Parses and prints byte sizes the way users type them: 4096, 512K, 250G. */
public final class Sizes {
    private Sizes() {
    }

    /** Parses {@code text} as bytes; {@code what} names the value in the error message. */
    public static long parse(String what, String text) throws TargetException {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new TargetException(what + ": empty size");
        }
        char last = Character.toUpperCase(t.charAt(t.length() - 1));
        int shift = switch (last) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            default -> 0;
        };
        String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new TargetException(what + ": not a size: " + text);
        }
        if (n < 0 || (shift > 0 && n > (Long.MAX_VALUE >> shift))) {
            throw new TargetException(what + ": size out of range: " + text);
        }
        return n << shift;
    }
}
