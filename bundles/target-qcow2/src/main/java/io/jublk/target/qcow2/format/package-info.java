/** The qcow2 on-disk format: header, extensions, table entries and snapshots, validated on the way in. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package io.jublk.target.qcow2.format;
