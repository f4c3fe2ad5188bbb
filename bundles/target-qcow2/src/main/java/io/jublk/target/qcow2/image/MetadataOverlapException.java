package io.jublk.target.qcow2.image;

import io.jublk.target.qcow2.format.Qcow2Exception;

/** A data write or a new cluster would land on the image's metadata: the image is corrupt. */
final class MetadataOverlapException extends Qcow2Exception {
    private static final long serialVersionUID = 1L;

    MetadataOverlapException(String message) {
        super(message);
    }
}
