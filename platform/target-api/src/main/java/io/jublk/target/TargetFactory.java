package io.jublk.target;

import java.util.List;

/**
 * A kind of backend ("null", "loop", "qcow2"), published as an OSGi service by a target bundle. The core
 * tracks these services dynamically: a type that appears later is usable at once, and devices of a type
 * whose service goes away wait, with their I/O held, until a service of that type comes back.
 */
public interface TargetFactory {

    /** Service property that carries {@link #type()}, so the core can filter without getting the service. */
    String TYPE_PROPERTY = "jublk.target.type";

    /** The type name users give to {@code ublk:add}: lower case, no spaces. */
    String type();

    /** One line for {@code ublk:targets}. */
    String description();

    /** The options this type takes, for validation, completion and help. */
    List<OptionSpec> options();

    /**
     * Opens a backend for one device: validates the options, opens what it needs (files, images) and
     * describes the disk. Called before the kernel device exists, so a bad option costs nothing, and again
     * with the persisted options when a device is recovered. Must not keep exclusive locks that a second
     * open of the same options (a replacement bundle taking over) would trip on, other than by design.
     *
     * @throws TargetException with a one-line message for the user when the options are wrong or the
     *                         backing cannot be used
     */
    Target open(TargetOptions options) throws TargetException;
}
