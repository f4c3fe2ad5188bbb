package io.jublk.core.device;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The core's defaults, from the configuration {@code io.jublk.core} ({@code etc/io.jublk.core.cfg}); each
 * key may be left out. Values come as Karaf gives them (strings from a .cfg file, or typed).
 *
 * <pre>
 * recovery = reissue            # console devices: none, recovery, reissue, fail-io
 * queues = 1                    # 1..4096
 * depth = 128                   # 1..4096
 * drainLimitSeconds = 10        # a departing target's time to answer before its requests are taken back
 * targetTimeoutSeconds = 60     # how long a target may sit on a request (new devices)
 * failAfterSeconds = 0          # how long requests are held without a target before EIO; 0: for ever
 * recordFolder = ${karaf.data}/jublk/devices   # read at start only
 * metricsPort = 0              # Prometheus text at http://127.0.0.1:PORT/metrics; 0: off
 * metrics = true               # count requests and their latency on the queue threads; false: counters stand still
 * ioCommands = per-tag          # console devices: per-tag, batch (UBLK_F_BATCH_IO, 7.0+) or auto
 * ioTimeoutSeconds = 2          # kernels without QUIESCE_DEV: served devices' queue/io_timeout; 0: left alone
 * </pre>
 *
 * @param recordFolder where device records live; null for the default ({@code <karaf.data>/jublk/devices})
 * @param metricsPort  the loopback port of the Prometheus endpoint ({@link MetricsEndpoint}); 0: none
 * @param metrics      whether the queue threads count requests and time them (applies to running devices too)
 * @param ioCommands   how new devices' queues talk to the kernel, unless ublk:add says otherwise
 * @param ioTimeout    the kernel's request time-out of devices served from now on, on kernels without
 *                     QUIESCE_DEV ({@link IoTimeout}); zero: the kernel's own
 */
public record CoreConfig(RecoveryMode recovery, int queues, int depth, Duration drainLimit, HoldPolicy hold,
                         Path recordFolder, int metricsPort, boolean metrics, IoCommands ioCommands,
                         Duration ioTimeout) {
    /** The PID of the core's configuration. */
    public static final String PID = "io.jublk.core";
    public static final CoreConfig DEFAULT = new CoreConfig(RecoveryMode.REISSUE, DeviceSpec.DEFAULT_QUEUES,
            DeviceSpec.DEFAULT_DEPTH, Duration.ofSeconds(10), HoldPolicy.DEFAULT, null, 0, true,
            IoCommands.PER_TAG, Duration.ofSeconds(2));
    static final long MAX_DRAIN_SECONDS = 3600;
    private static final Set<String> KEYS = Set.of("recovery", "queues", "depth", "drainLimitSeconds",
            "targetTimeoutSeconds", "failAfterSeconds", "recordFolder", "metricsPort", "metrics", "ioCommands",
            "ioTimeoutSeconds");

    public CoreConfig {
        java.util.Objects.requireNonNull(ioCommands, "ioCommands");
        java.util.Objects.requireNonNull(ioTimeout, "ioTimeout");
        if (drainLimit.isNegative() || drainLimit.isZero() || drainLimit.toSeconds() > MAX_DRAIN_SECONDS) {
            throw new IllegalArgumentException("drainLimitSeconds must be 1.." + MAX_DRAIN_SECONDS);
        }
        if (ioTimeout.isNegative() || ioTimeout.toSeconds() > IoTimeout.MAX_SECONDS) {
            throw new IllegalArgumentException("ioTimeoutSeconds must be 0.." + IoTimeout.MAX_SECONDS);
        }
    }

    /** These defaults with another recovery mode. */
    public CoreConfig withRecovery(RecoveryMode mode) {
        return new CoreConfig(mode, queues, depth, drainLimit, hold, recordFolder, metricsPort, metrics,
                ioCommands, ioTimeout);
    }

    /**
     * The configuration's properties as defaults; a missing key keeps its default. A bad value or an
     * unknown key is an IllegalArgumentException whose one-line message names the key. Keys set by the
     * framework (with a dot: {@code service.pid}, {@code felix.fileinstall.filename}, {@code component.*})
     * are not ours and are passed over.
     */
    public static CoreConfig of(Map<String, ?> properties) {
        Set<String> unknown = new TreeSet<>();
        for (String key : properties.keySet()) {
            if (!KEYS.contains(key) && !key.contains(".")) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown key(s) " + unknown + " (known: " + new TreeSet<>(KEYS) + ")");
        }
        CoreConfig d = DEFAULT;
        Object recoveryValue = properties.get("recovery");
        RecoveryMode recovery = recoveryValue == null ? d.recovery() : recovery(text("recovery", recoveryValue));
        HoldPolicy hold = new HoldPolicy(
                Duration.ofSeconds(number(properties, "failAfterSeconds", 0, HoldPolicy.MAX_SECONDS,
                        d.hold().failAfter().toSeconds())),
                Duration.ofSeconds(number(properties, "targetTimeoutSeconds", 1, HoldPolicy.MAX_SECONDS,
                        d.hold().targetTimeout().toSeconds())));
        Object folder = properties.get("recordFolder");
        Object commands = properties.get("ioCommands");
        return new CoreConfig(recovery,
                (int) number(properties, "queues", 1, DeviceSpec.MAX_QUEUES, d.queues()),
                (int) number(properties, "depth", 1, io.jublk.core.uapi.IoDesc.MAX_QUEUE_DEPTH, d.depth()),
                Duration.ofSeconds(number(properties, "drainLimitSeconds", 1, MAX_DRAIN_SECONDS,
                        d.drainLimit().toSeconds())),
                hold, folder == null ? null : folder(text("recordFolder", folder)),
                (int) number(properties, "metricsPort", 0, 65535, d.metricsPort()),
                flag(properties, "metrics", d.metrics()),
                commands == null ? d.ioCommands() : IoCommands.parse(text("ioCommands", commands)),
                Duration.ofSeconds(number(properties, "ioTimeoutSeconds", 0, IoTimeout.MAX_SECONDS,
                        d.ioTimeout().toSeconds())));
    }

    static long number(Map<String, ?> properties, String key, long min, long max, long absent) {
        Object value = properties.get(key);
        if (value == null) {
            return absent;
        }
        long n;
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            n = ((Number) value).longValue();
        } else if (value instanceof String s && s.strip().matches("-?[0-9]{1,18}")) {
            n = Long.parseLong(s.strip());
        } else {
            throw new IllegalArgumentException(key + " must be an integer " + min + ".." + max + ", not '" + value + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(key + " must be " + min + ".." + max + ", not " + n);
        }
        return n;
    }

    static boolean flag(Map<String, ?> properties, String key, boolean absent) {
        Object value = properties.get(key);
        if (value == null) {
            return absent;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s && (s.strip().equals("true") || s.strip().equals("false"))) {
            return Boolean.parseBoolean(s.strip());
        }
        throw new IllegalArgumentException(key + " must be true or false, not '" + value + "'");
    }

    private static String text(String key, Object value) {
        if (!(value instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException(key + " must be a word, not '" + value + "'");
        }
        return s.strip();
    }

    private static RecoveryMode recovery(String name) {
        return switch (name) {
            case "none" -> RecoveryMode.NONE;
            case "recovery" -> RecoveryMode.RECOVERY;
            case "reissue" -> RecoveryMode.REISSUE;
            case "fail-io" -> RecoveryMode.FAIL_IO;
            default -> throw new IllegalArgumentException("recovery must be none, recovery, reissue or fail-io, not '"
                    + name + "'");
        };
    }

    /** A mode as the configuration names it (and ublk:add --recovery): none, recovery, reissue, fail-io. */
    static String name(RecoveryMode mode) {
        return switch (mode) {
            case NONE -> "none";
            case RECOVERY -> "recovery";
            case REISSUE -> "reissue";
            case FAIL_IO -> "fail-io";
        };
    }

    private static Path folder(String text) {
        Path p = Path.of(text);
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException("recordFolder must be an absolute path, not '" + text + "'");
        }
        return p;
    }
}
