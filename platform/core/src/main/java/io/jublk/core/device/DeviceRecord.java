package io.jublk.core.device;

import io.jublk.target.TargetOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * What jublk must remember of a device to serve it again after a crash: written under the data folder
 * before START_DEV (the kernel keeps queues, depth, flags and params itself; it does not know the target).
 * One small JSON file a device, {@code <id>.json}, written atomically.
 */
public record DeviceRecord(int id, String targetType, TargetOptions options, int queues, int depth,
                           int maxIoBytes, long flags) {

    public String toJson() {
        StringBuilder b = new StringBuilder("{\n");
        b.append("  \"id\": ").append(id).append(",\n");
        b.append("  \"target\": ").append(Json.quote(targetType)).append(",\n");
        b.append("  \"options\": {");
        String sep = "";
        for (Map.Entry<String, String> e : new TreeMap<>(options.asMap()).entrySet()) {
            b.append(sep).append(Json.quote(e.getKey())).append(": ").append(Json.quote(e.getValue()));
            sep = ", ";
        }
        b.append("},\n");
        b.append("  \"queues\": ").append(queues).append(",\n");
        b.append("  \"depth\": ").append(depth).append(",\n");
        b.append("  \"maxIoBytes\": ").append(maxIoBytes).append(",\n");
        b.append("  \"flags\": ").append(flags).append("\n");
        return b.append("}\n").toString();
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

    public static Path file(Path dir, int id) {
        return dir.resolve(id + ".json");
    }
}
