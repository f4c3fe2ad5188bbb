/** The ublk:qcow2-* console commands (Gogo commands as DS components). */
package io.jublk.target.qcow2.shell;
