package io.jublk.core.device;

/** What jublk is doing for a device it knows, as listings show it. */
public enum ServiceState {
    /** A target serves the device's I/O. */
    SERVING("serving"),
    /** The device's queues run but its target is away (replaced, crashed): I/O is held. */
    WAITING_FOR_TARGET("waiting for target"),
    /** The target stayed away longer than the device's fail-after time: I/O fails with EIO. */
    FAILING_IO("failing I/O"),
    /** Being taken over from a previous server (user recovery). */
    RECOVERING("recovering"),
    /** Left by a previous server; the kernel waits for a server (user recovery) that has not come yet. */
    RECOVERABLE("recoverable"),
    /** A queue thread of the device ended on its own: its I/O is not served; delete the device. */
    FAILED("failed"),
    /** Left by a previous server without user recovery: only deleting it is possible. */
    ORPHANED("orphaned");

    private final String label;

    ServiceState(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
