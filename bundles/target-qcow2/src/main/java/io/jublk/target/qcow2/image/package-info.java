/** qcow2 images opened for reading and writing: cluster mapping, allocation, backing chains, create and check. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package io.jublk.target.qcow2.image;
