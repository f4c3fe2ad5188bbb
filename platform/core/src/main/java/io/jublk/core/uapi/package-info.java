/**
 * The ublk kernel interface: struct layouts, opcodes and constants of {@code linux/ublk_cmd.h}.
 * This package is the only code in jublk that knows ublk byte offsets.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package io.jublk.core.uapi;
