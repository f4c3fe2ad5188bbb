/**
 * The {@code ublk:} console commands: Gogo commands published as DS components, one class a command,
 * so they run in Karaf's console and in plain Felix Gogo alike. They print to {@code System.out} (Gogo
 * gives each session its own) rather than return text: Karaf's ssh exec channel, which {@code bin/client
 * CMD} uses, does not print returned values. Errors are exceptions whose message is the one line shown.
 */
package io.jublk.shell;
