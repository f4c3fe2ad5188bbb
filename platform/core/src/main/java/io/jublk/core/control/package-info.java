/** The control protocol of {@code /dev/ublk-control}: one command at a time over an SQE128 ring. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package io.jublk.core.control;
