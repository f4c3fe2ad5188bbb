package io.jublk.core.device;

/**
 * Registered by the core, with its "devices recovered" line, once every device recorded at its start that user
 * recovery can serve again is served again or has failed a first try; withdrawn when the core stops. The
 * distribution's start-level gate (platform/start-gate) raises the framework past the core's start level when it
 * appears. Its properties say how many: {@link #SERVED} of {@link #RECORDED}.
 */
public interface DevicesRecovered {
    /** Service property: the recorded devices served again (Integer). */
    String SERVED = "jublk.devices.served";
    /** Service property: the device records read at the start (Integer). */
    String RECORDED = "jublk.devices.recorded";
}
