package io.jublk.core.device;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The ids of the ublk devices the kernel has now, whoever serves them: the {@code ublkcN} entries of
 * {@code /sys/class/ublk-char}, or of {@code /dev} where sysfs is not mounted. The control device has no
 * command that lists devices.
 */
final class KernelDevices {
    static final Path SYS_CLASS = Path.of("/sys/class/ublk-char");
    static final Path DEV = Path.of("/dev");
    private static final String PREFIX = "ublkc";

    private KernelDevices() {
    }

    static SortedSet<Integer> ids() throws IOException {
        return ids(SYS_CLASS, DEV);
    }

    static SortedSet<Integer> ids(Path sysClass, Path dev) throws IOException {
        SortedSet<Integer> ids = new TreeSet<>();
        Path dir = Files.isDirectory(sysClass) ? sysClass : dev;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path entry : entries) {
                int id = id(entry.getFileName().toString().substring(PREFIX.length()));
                if (id >= 0) {
                    ids.add(id);
                }
            }
        } catch (NoSuchFileException e) {
            // no driver, no devices
        }
        return ids;
    }

    /** The id a name's digits give, or -1 for anything else (ublkcfoo, an out-of-range number). */
    private static int id(String digits) {
        if (digits.isEmpty() || digits.length() > 7 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int id = Integer.parseInt(digits);
        return id <= DeviceSpec.MAX_ID ? id : -1;
    }
}
