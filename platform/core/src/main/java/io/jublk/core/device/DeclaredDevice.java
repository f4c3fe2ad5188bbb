package io.jublk.core.device;

import io.jublk.target.TargetOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A device that must exist, declared in {@code etc/io.jublk.device-NAME.cfg} (factory configuration
 * {@code io.jublk.device}), as {@code /etc/fstab} declares mounts:
 *
 * <pre>
 * id = 0                        # required: the device is /dev/ublkb0
 * type = loop                   # required: the target type
 * option.file = /srv/disk.img   # the target's options, each as option.NAME (a flag: option.read-only = true)
 * queues = 2                    # else the core's default (etc/io.jublk.core.cfg), as for ublk:add
 * depth = 128
 * recovery = reissue            # none, recovery, reissue, fail-io
 * targetTimeoutSeconds = 60
 * failAfterSeconds = 0
 * </pre>
 *
 * @param name the NAME of the file (or the configuration's PID when it comes from elsewhere)
 */
public record DeclaredDevice(String name, DeviceSpec spec) {
    /** The factory PID of declared devices. */
    public static final String FACTORY_PID = "io.jublk.device";
    private static final Set<String> KEYS = Set.of("id", "type", "queues", "depth", "recovery",
            "targetTimeoutSeconds", "failAfterSeconds");

    /**
     * The declaration in {@code properties}, with {@code defaults} for what it leaves out. A missing id or
     * type, a bad value or an unknown key is an IllegalArgumentException with a one-line message naming the
     * key; keys with a dot other than {@code option.*} are the framework's and are passed over.
     */
    public static DeclaredDevice of(Map<String, ?> properties, CoreConfig defaults) {
        String name = name(properties);
        Set<String> unknown = new TreeSet<>();
        Map<String, String> options = new TreeMap<>();
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            String key = e.getKey();
            if (key.startsWith("option.")) {
                String option = key.substring("option.".length());
                if (!option.matches("[a-z0-9][a-z0-9-]*") || !(e.getValue() instanceof String value)) {
                    throw new IllegalArgumentException(key + " must be option.NAME = text");
                }
                options.put(option, value.strip());
            } else if (!KEYS.contains(key) && !key.contains(".")) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown key(s) " + unknown + " (known: " + new TreeSet<>(KEYS)
                    + ", option.NAME)");
        }
        if (properties.get("id") == null) {
            throw new IllegalArgumentException("id is missing (the device's number: id = 0 makes /dev/ublkb0)");
        }
        Object type = properties.get("type");
        if (!(type instanceof String t) || !t.strip().matches("[a-z0-9][a-z0-9_-]*")) {
            throw new IllegalArgumentException("type is missing or not a target type name (type = loop)");
        }
        // the core's parser for the keys both files have: same ranges, same messages
        Map<String, Object> common = new TreeMap<>();
        for (String key : Set.of("queues", "depth", "recovery", "targetTimeoutSeconds", "failAfterSeconds")) {
            if (properties.get(key) != null) {
                common.put(key, properties.get(key));
            }
        }
        CoreConfig own = CoreConfig.of(common);
        Map<String, Object> given = common;
        int id = (int) CoreConfig.number(Map.of("id", properties.get("id")), "id", 0, DeviceSpec.MAX_ID, -1);
        HoldPolicy hold = new HoldPolicy(
                given.containsKey("failAfterSeconds") ? own.hold().failAfter() : defaults.hold().failAfter(),
                given.containsKey("targetTimeoutSeconds") ? own.hold().targetTimeout()
                        : defaults.hold().targetTimeout());
        DeviceSpec spec = new DeviceSpec(id,
                given.containsKey("queues") ? own.queues() : defaults.queues(),
                given.containsKey("depth") ? own.depth() : defaults.depth(),
                DeviceSpec.DEFAULT_MAX_IO_BYTES,
                given.containsKey("recovery") ? own.recovery() : defaults.recovery(),
                t.strip(), new TargetOptions(options), DataTransfer.AUTO, hold);
        return new DeclaredDevice(name, spec);
    }

    /** The file a declaration NAME lives in, in Karaf's {@code etc/}. */
    public static Path file(Path etc, String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
            throw new IllegalArgumentException("a declared device's name is letters, digits, '_', '.' and '-'"
                    + " (at most 64), not '" + name + "'");
        }
        return etc.resolve(FACTORY_PID + "-" + name + ".cfg");
    }

    /**
     * Writes {@code etc/io.jublk.device-NAME.cfg} for device {@code id} as {@code spec} made it: every key
     * given, so that changed defaults do not change the device. Fails if the file exists; written through a
     * temporary name Karaf does not read, then renamed.
     */
    public static Path write(Path etc, String name, int id, DeviceSpec spec) throws IOException {
        Path file = file(etc, name);
        if (Files.exists(file)) {
            throw new IOException(file + " exists already");
        }
        StringBuilder b = new StringBuilder("# declared by ublk:add --save " + name
                + "; made at every start when missing, deleted when this file goes\n");
        b.append("id = ").append(id).append('\n');
        b.append("type = ").append(spec.targetType()).append('\n');
        b.append("queues = ").append(spec.queues()).append('\n');
        b.append("depth = ").append(spec.depth()).append('\n');
        b.append("recovery = ").append(CoreConfig.name(spec.recovery())).append('\n');
        b.append("targetTimeoutSeconds = ").append(spec.hold().targetTimeout().toSeconds()).append('\n');
        b.append("failAfterSeconds = ").append(spec.hold().failAfter().toSeconds()).append('\n');
        for (Map.Entry<String, String> e : new TreeMap<>(spec.options().asMap()).entrySet()) {
            b.append("option.").append(e.getKey()).append(" = ").append(escaped(e.getValue())).append('\n');
        }
        Path tmp = etc.resolve(file.getFileName() + ".tmp");
        Files.writeString(tmp, b);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** A value as a properties file keeps it: backslashes, line breaks and a leading blank escaped. */
    static String escaped(String value) {
        String v = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
        return v.startsWith(" ") ? "\\" + v : v;
    }

    /** NAME of {@code etc/io.jublk.device-NAME.cfg}, else the PID, for log lines. */
    static String name(Map<String, ?> properties) {
        Object file = properties.get("felix.fileinstall.filename");
        if (file != null) {
            String f = file.toString();
            f = f.substring(f.lastIndexOf('/') + 1);
            if (f.startsWith(FACTORY_PID + "-") && f.endsWith(".cfg")) {
                return f.substring(FACTORY_PID.length() + 1, f.length() - ".cfg".length());
            }
            return f;
        }
        Object pid = properties.get("service.pid");
        return pid != null ? pid.toString() : "?";
    }
}
