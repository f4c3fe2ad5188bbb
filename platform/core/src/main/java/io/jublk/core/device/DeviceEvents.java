package io.jublk.core.device;

/**
 * What happened to a device's service while this server knew it.
 *
 * @param targetSwaps fresh targets attached to the running device after its target went away
 * @param recoveries  times this server took the device over with user recovery (after a restart or a crash)
 */
public record DeviceEvents(long targetSwaps, long recoveries) {
    public static final DeviceEvents NONE = new DeviceEvents(0, 0);
}
