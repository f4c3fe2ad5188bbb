package io.jublk.target.rbd;

import io.jublk.target.TargetException;
import io.jublk.target.TargetOptions;

/**
 * Where an rbd disk's image is and how to reach it.
 *
 * @param pool           the pool
 * @param image          the image in it
 * @param conf           ceph.conf, or null for librados' default search (/etc/ceph/ceph.conf, $CEPH_CONF...)
 * @param id             the client id without "client." (default admin)
 * @param keyring        a keyring file, or null for the one ceph.conf names
 * @param readOnly       open the image read-only (no lock taken)
 * @param timeoutSeconds bound on connecting and opening
 */
record RbdSettings(String pool, String image, String conf, String id, String keyring, boolean readOnly,
                   int timeoutSeconds) {
    static final int DEFAULT_TIMEOUT_SECONDS = 10;

    static RbdSettings from(TargetOptions options) throws TargetException {
        String timeout = options.get("timeout");
        int seconds = DEFAULT_TIMEOUT_SECONDS;
        if (timeout != null) {
            try {
                seconds = Integer.parseInt(timeout);
            } catch (NumberFormatException e) {
                throw new TargetException("--timeout: not a number of seconds: " + timeout);
            }
            if (seconds < 1 || seconds > 3600) {
                throw new TargetException("--timeout: 1 to 3600 seconds: " + timeout);
            }
        }
        String id = options.get("id");
        if (id != null && id.startsWith("client.")) {
            id = id.substring("client.".length());
        }
        return new RbdSettings(options.require("pool"), options.require("image"), options.get("conf"),
                id == null || id.isEmpty() ? "admin" : id, options.get("keyring"), options.flag("read-only"),
                seconds);
    }

    /** pool/image, as the rbd CLI writes it. */
    String name() {
        return pool + "/" + image;
    }
}
