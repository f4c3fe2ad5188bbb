/** The target SPI: what a backend bundle implements to serve ublk devices. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.7.0")
package io.jublk.target;
