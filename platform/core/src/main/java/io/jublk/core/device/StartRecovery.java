package io.jublk.core.device;

import java.lang.management.ManagementFactory;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recovery of the devices recorded when the core starts: done once the records are read and every device
 * they name that user recovery can serve again has been served, or has failed a first time (retries go on). It
 * then says so in one line, "devices recovered: ...", which is what bench/start and operators wait for.
 */
final class StartRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(StartRecovery.class);

    private final long startNanos = System.nanoTime();
    private final Set<Integer> pending = ConcurrentHashMap.newKeySet();
    private final AtomicInteger served = new AtomicInteger();
    private final CompletableFuture<Integer> done = new CompletableFuture<>();
    private volatile int records = -1;

    /** Recorded device {@code id} waits to be served again. */
    void pending(int id) {
        pending.add(id);
    }

    /** Device {@code id}, if it was pending, is served again ({@code serving}) or failed its first try. */
    void settled(int id, boolean serving) {
        if (pending.remove(id)) {
            if (serving) {
                served.incrementAndGet();
            }
            finishIfDone();
        }
    }

    /** The pass over the {@code count} records has ended: what it found is pending (or was given up on). */
    void recordsRead(int count) {
        records = count;
        finishIfDone();
    }

    /** Completes with the number of recorded devices served again once none is pending. */
    CompletableFuture<Integer> done() {
        return done;
    }

    private void finishIfDone() {
        if (records >= 0 && pending.isEmpty() && done.complete(served.get())) {
            LOG.info("devices recovered: {} of {} recorded device(s) served again, {} ms after the core started, "
                            + "{} ms after the JVM started", served.get(), records,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                    ManagementFactory.getRuntimeMXBean().getUptime());
        }
    }
}
