package io.jublk.core.device;

import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class KernelDevicesTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void readsTheIdsOfSysfsEntriesAndIgnoresOtherNames() throws Exception {
        Path sys = Files.createDirectory(tmp.getRoot().toPath().resolve("ublk-char"));
        for (String name : List.of("ublkc0", "ublkc12", "ublkc3", "ublkcx", "ublkc", "ublkc99999999", "ublkc-1",
                "ublkc1048576", "other")) {
            Files.createFile(sys.resolve(name));
        }
        assertEquals(List.of(0, 3, 12), List.copyOf(KernelDevices.ids(sys, tmp.getRoot().toPath().resolve("nodev"))));
    }

    @Test
    public void fallsBackToDevAndFindsNothingWithoutTheDriver() throws Exception {
        Path dev = Files.createDirectory(tmp.getRoot().toPath().resolve("dev"));
        Files.createFile(dev.resolve("ublkc5"));
        Files.createFile(dev.resolve("ublkb5"));
        Files.createFile(dev.resolve("ublk-control"));
        Path noSysfs = tmp.getRoot().toPath().resolve("sys-class-ublk-char");
        assertEquals(List.of(5), List.copyOf(KernelDevices.ids(noSysfs, dev)));
        assertEquals(List.of(), List.copyOf(KernelDevices.ids(noSysfs, tmp.getRoot().toPath().resolve("nodev"))));
    }
}
