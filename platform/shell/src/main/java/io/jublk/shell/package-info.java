/**
 * The {@code ublk:} console commands, one class a command: Karaf console commands (with completers and
 * {@code --help}) that {@link io.jublk.shell.UblkConsole} registers with Karaf's console while the core runs.
 * They print to {@code System.out} (Karaf gives each session its own) rather than return text: Karaf's ssh
 * exec channel, which {@code bin/client CMD} and {@code bin/ublk} use, does not print returned values. Errors
 * are Karaf {@code CommandException}s whose message is the one line shown.
 */
package io.jublk.shell;
