package io.jublk.core.device;

import io.jublk.target.TargetOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import io.jublk.core.uapi.IoDesc;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What jublk must remember of a device to serve it again after a crash: written under the data folder
 * before START_DEV (the kernel keeps queues, depth, flags and params itself; it does not know the target).
 * One small JSON file a device, {@code <id>.json}, written atomically. Its {@code "version"} is the format's
 * ({@link #VERSION}); a record without one is of version 1, the format before the field was added.
 */
public record DeviceRecord(int id, String targetType, TargetOptions options, int queues, int depth,
                           int maxIoBytes, long flags, HoldPolicy hold) {
    /** The format this jublk writes and reads. */
    public static final int VERSION = 1;

    private static final Set<String> FIELDS = Set.of("version", "id", "target", "options", "queues", "depth",
            "maxIoBytes", "flags", "failAfterSeconds", "targetTimeoutSeconds");

    public DeviceRecord(int id, String targetType, TargetOptions options, int queues, int depth, int maxIoBytes,
                        long flags) {
        this(id, targetType, options, queues, depth, maxIoBytes, flags, HoldPolicy.DEFAULT);
    }

    /** The spec that serves this device again (queues, depth and flags as the kernel accepted them). */
    public DeviceSpec toSpec() {
        return new DeviceSpec(id, queues, depth, maxIoBytes, RecoveryMode.of(flags), targetType, options, hold);
    }

    /** The record as JSON ({@link #VERSION}), every field named. */
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", VERSION);
        json.put("id", id);
        json.put("target", targetType);
        json.put("options", new TreeMap<>(options.asMap()));
        json.put("queues", queues);
        json.put("depth", depth);
        json.put("maxIoBytes", maxIoBytes);
        json.put("flags", flags);
        json.put("failAfterSeconds", hold.failAfter().toSeconds());
        json.put("targetTimeoutSeconds", hold.targetTimeout().toSeconds());
        return Json.writePretty(json) + "\n";
    }

    /** Writes {@code dir/<id>.json} through a temporary file and a rename, so a crash leaves old or new. */
    public void writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(id + ".json.tmp");
        Files.writeString(tmp, toJson());
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file(dir, id), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Reads {@code file} and checks every field; a damaged or foreign file is an IOException naming the file
     * and the field, never a half-filled record.
     */
    public static DeviceRecord read(Path file) throws IOException {
        try {
            Map<String, Object> json = Json.readObject(Files.readString(file));
            long version = optional(json, "version", 1, Long.MAX_VALUE, 1);
            if (version != VERSION) {
                throw new IOException("format version " + version + " (this jublk reads " + VERSION + ")");
            }
            for (String key : json.keySet()) {
                if (!FIELDS.contains(key)) {
                    throw new IOException("unknown field \"" + key + "\"");
                }
            }
            int id = (int) number(json, "id", 0, DeviceSpec.MAX_ID);
            if (!file.getFileName().toString().equals(id + ".json")) {
                throw new IOException("it says device " + id);
            }
            Object target = json.get("target");
            if (!(target instanceof String type) || !type.matches("[a-z0-9][a-z0-9_-]*")) {
                throw new IOException("\"target\" must be a target type name");
            }
            Map<String, String> options = new TreeMap<>();
            if (!(json.get("options") instanceof Map<?, ?> given)) {
                throw new IOException("\"options\" must be an object");
            }
            for (Map.Entry<?, ?> e : given.entrySet()) {
                if (!(e.getValue() instanceof String value)) {
                    throw new IOException("option \"" + e.getKey() + "\" must be a string");
                }
                options.put((String) e.getKey(), value);
            }
            HoldPolicy hold = new HoldPolicy(
                    Duration.ofSeconds(optional(json, "failAfterSeconds", 0, HoldPolicy.MAX_SECONDS,
                            HoldPolicy.DEFAULT.failAfter().toSeconds())),
                    Duration.ofSeconds(optional(json, "targetTimeoutSeconds", 1, HoldPolicy.MAX_SECONDS,
                            HoldPolicy.DEFAULT.targetTimeout().toSeconds())));
            return new DeviceRecord(id, type, new TargetOptions(options),
                    (int) number(json, "queues", 1, DeviceSpec.MAX_QUEUES),
                    (int) number(json, "depth", 1, IoDesc.MAX_QUEUE_DEPTH),
                    (int) number(json, "maxIoBytes", 4096, 1 << 25),
                    number(json, "flags", 0, Long.MAX_VALUE), hold);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("device record " + file + " is damaged: " + e.getMessage(), e);
        }
    }

    private static long number(Map<String, Object> json, String name, long min, long max) throws IOException {
        Object value = json.get(name);
        if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min
                || ((Number) value).longValue() > max) {
            throw new IOException("\"" + name + "\" must be an integer " + min + ".." + max);
        }
        return ((Number) value).longValue();
    }

    private static long optional(Map<String, Object> json, String name, long min, long max, long absent)
            throws IOException {
        return json.containsKey(name) ? number(json, name, min, max) : absent;
    }

    /** The record files in {@code dir} ({@code <id>.json}), by name; none when dir is missing. */
    public static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var listing = Files.list(dir)) {
            return listing.filter(p -> p.getFileName().toString().matches("[0-9]{1,7}\\.json")).sorted().toList();
        }
    }

    public static Path file(Path dir, int id) {
        return dir.resolve(id + ".json");
    }
}
