/** The ublk:qcow2-* console commands: Karaf console actions (the bundle's Karaf-Commands header), with help and file completion. */
package io.jublk.target.qcow2.shell;
