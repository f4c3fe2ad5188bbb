/** Device life cycle, registry and recovery; {@link io.jublk.core.device.UblkService} is the core's face. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package io.jublk.core.device;
