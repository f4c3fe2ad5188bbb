package io.jublk.core.device;

/** How a device's queues exchange requests with the kernel, as a user asks for it. */
public enum IoCommands {
    /** One FETCH_REQ / COMMIT_AND_FETCH_REQ uring_cmd per tag: every ublk kernel. */
    PER_TAG,
    /** UBLK_F_BATCH_IO (Linux 7.0+): per-queue batch prep, commit and multishot fetch; an error without it. */
    BATCH,
    /** Batch commands where the kernel has them, per-tag commands elsewhere. */
    AUTO;

    /** The name the configuration and ublk:add use: per-tag, batch, auto. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** {@code per-tag}, {@code batch} or {@code auto}; anything else is an IllegalArgumentException saying so. */
    public static IoCommands parse(String text) {
        for (IoCommands c : values()) {
            if (c.configName().equals(text)) {
                return c;
            }
        }
        throw new IllegalArgumentException("ioCommands must be per-tag, batch or auto, not '" + text + "'");
    }
}
