package io.jublk.bench.uring;

import io.jublk.uring.CompletionHandler;
import io.jublk.uring.Ring;

/** Batches of NOPs: fill {@code batch} SQEs, one submit-and-wait for all of them, drain. */
final class NopLoop implements CompletionHandler {
    private final Ring ring;
    private final int batch;
    private long completed;

    NopLoop(Ring ring, int batch) {
        this.ring = ring;
        this.batch = batch;
    }

    long run(long nanos) throws Exception {
        completed = 0;
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            for (int i = 0; i < batch; i++) {
                ring.sqe().nop().userData(i);
            }
            ring.submitAndWait(batch);
            ring.drain(this);
        }
        return completed;
    }

    @Override
    public void onCompletion(long userData, int res, int flags) {
        completed++;
    }
}
