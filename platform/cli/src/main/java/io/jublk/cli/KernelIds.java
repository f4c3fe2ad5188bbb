package io.jublk.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The ids of the kernel's ublk devices, whoever serves them: the {@code ublkcN} entries of
 * {@code /sys/class/ublk-char} (as the reference server lists them), or of {@code /dev} without sysfs.
 * The control device has no command that lists devices.
 */
final class KernelIds {
    private static final String PREFIX = "ublkc";

    private KernelIds() {
    }

    static List<Integer> ids() throws IOException {
        return ids(Path.of("/sys/class/ublk-char"), Path.of("/dev"));
    }

    static List<Integer> ids(Path sysClass, Path dev) throws IOException {
        TreeSet<Integer> ids = new TreeSet<>();
        Path dir = Files.isDirectory(sysClass) ? sysClass : dev;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path entry : entries) {
                String digits = entry.getFileName().toString().substring(PREFIX.length());
                if (digits.matches("[0-9]{1,7}")) {
                    ids.add(Integer.parseInt(digits));
                }
            }
        } catch (NoSuchFileException e) {
            // no driver, no devices
        }
        return new ArrayList<>(ids);
    }
}
