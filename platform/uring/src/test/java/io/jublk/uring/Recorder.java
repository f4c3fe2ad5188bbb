package io.jublk.uring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test handler that remembers every completion (tests may allocate; the ring may not). */
final class Recorder implements CompletionHandler {
    final Map<Long, Integer> results = new LinkedHashMap<>();
    final List<Long> order = new ArrayList<>();
    int wakeups;

    @Override
    public void onCompletion(long userData, int res, int flags) {
        if (results.put(userData, res) != null) {
            throw new AssertionError("second completion for user data " + userData);
        }
        order.add(userData);
    }

    @Override
    public void onWakeup() {
        wakeups++;
    }

    int res(long userData) {
        Integer r = results.get(userData);
        if (r == null) {
            throw new AssertionError("no completion for user data " + userData + "; got " + results);
        }
        return r;
    }

    /** Submits and drains until {@code count} completions were recorded in total. */
    void await(Ring ring, int count) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        ring.submit();
        while (results.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out with " + results.size() + " of " + count + " completions");
            }
            if (ring.drain(this) == 0 && results.size() < count) {
                ring.submitAndWait(1, 100_000_000L);
            }
        }
    }
}
