package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.Test;
import org.slf4j.Logger;

/**
 * The "devices recovered" line lands although pax-logging swaps its configuration while it is logged. The logger
 * here does what pax-logging 2.3.2's PaxLoggerImpl does: info() asks whether INFO is enabled (without the
 * configuration lock) and drops the line if not; during the swap every logger is off.
 */
public class ReconfigSafeInfoTest {
    /** Enabled states the logger answers, one per question, then {@code true}; the lines that reached the log. */
    private final Deque<Boolean> states = new ArrayDeque<>();
    private final List<String> landed = new ArrayList<>();
    private final List<Runnable> retries = new ArrayList<>();
    private final Executor later = retries::add;

    private Logger paxLikeLogger() {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "isInfoEnabled" -> enabled();
                    case "info" -> {
                        if (enabled()) { // PaxLoggerImpl.info: isInfoEnabled() first, outside the lock
                            landed.add((String) args[0]);
                        }
                        yield null;
                    }
                    case "getName" -> "StartRecovery";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private boolean enabled() {
        Boolean s = states.poll();
        return s == null || s;
    }

    private void runRetries() {
        for (int i = 0; i < 10_000 && !retries.isEmpty(); i++) {
            retries.remove(0).run();
        }
    }

    /** The swap begins between the core's check and info()'s own: dropped there, logged again after it. */
    @Test
    public void lineLoggedDuringTheSwapLandsLater() {
        states.addAll(List.of(true, false, false)); // check: on; info's own check: off (dropped); after: off
        StartRecovery r = new StartRecovery(paxLikeLogger(), later);
        r.recordsRead(0);
        runRetries();
        assertEquals(1, landed.size());
        assertTrue(landed.get(0), landed.get(0).startsWith("devices recovered: 0 of 0 recorded device(s) served again"));
    }

    /**
     * Off when the core gets there (the swap under way): logged once the new configuration is in place. The old
     * plain LOG.info lost the line here (1 start in about 20 under load).
     */
    @Test
    public void lineWaitsForTheSwapToEnd() {
        states.addAll(List.of(false, false, false, false));
        new StartRecovery(paxLikeLogger(), later).recordsRead(0);
        assertEquals(List.of(), landed);
        runRetries();
        assertEquals(1, landed.size());
    }

    /** No swap: logged once, at once, nothing left to retry. */
    @Test
    public void lineLandsAtOnceWithoutASwap() {
        new StartRecovery(paxLikeLogger(), later).recordsRead(0);
        assertEquals(1, landed.size());
        assertEquals(List.of(), retries);
    }

    /** INFO turned off for the core for good: no line, and the retries end. */
    @Test
    public void retriesEndWhenInfoStaysOff() {
        for (int i = 0; i <= ReconfigSafeInfo.TRIES + 1; i++) {
            states.add(false);
        }
        ReconfigSafeInfo.log(paxLikeLogger(), "x", later);
        runRetries();
        assertEquals(List.of(), landed);
        assertEquals(List.of(), retries);
    }
}
