package io.jublk.core.queue;

import io.jublk.core.uapi.Feature;

/**
 * Every hand-over case of {@link SimulatedHandOverTest} with UBLK_F_BATCH_IO: batch prep, commit and
 * multishot fetch through {@link SimulatedBatchDriver} (the core's state machine only).
 */
public class SimulatedBatchHandOverTest extends SimulatedHandOverTest {
    @Override
    long modeFlags() {
        return Feature.BATCH_IO.mask();
    }
}
