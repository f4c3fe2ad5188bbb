package io.jublk.target.qcow2.image;

import java.nio.file.Path;
import org.junit.rules.TemporaryFolder;

/** A temporary folder for images that QEMU's tools judge: a test that uses it is skipped where they are missing. */
public final class QemuFolder extends TemporaryFolder {
    @Override
    protected void before() throws Throwable {
        Qemu.assumeInstalled();
        super.before();
    }

    public Path path() {
        return getRoot().toPath();
    }

    /** A file or folder in it. */
    public Path resolve(String name) {
        return path().resolve(name);
    }
}
