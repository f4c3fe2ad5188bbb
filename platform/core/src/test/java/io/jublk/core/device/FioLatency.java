package io.jublk.core.device;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the longest total I/O latency out of fio's normal output, in milliseconds. */
final class FioLatency {
    // e.g. "     lat (usec): min=31, max=2105k, avg=812.15, stdev=..." (k and M scale the number)
    private static final Pattern LAT = Pattern.compile("^\\s+lat \\((nsec|usec|msec)\\): min=[^,]+, max=([0-9.]+)([kM]?),",
            Pattern.MULTILINE);

    private FioLatency() {
    }

    /** The largest "lat (...): ... max=" over the jobs' sections, or -1 when fio printed none. */
    static long maxMillis(String fioOutput) {
        Matcher m = LAT.matcher(fioOutput);
        double longest = -1;
        while (m.find()) {
            double value = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
                case "k" -> 1e3;
                case "M" -> 1e6;
                default -> 1;
            };
            double millis = switch (m.group(1)) {
                case "nsec" -> value / 1e6;
                case "usec" -> value / 1e3;
                default -> value;
            };
            longest = Math.max(longest, millis);
        }
        return Math.round(longest);
    }
}
