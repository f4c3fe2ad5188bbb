package io.jublk.core.queue;

import io.jublk.core.uapi.IoOp;
import io.jublk.target.Target;

/**
 * A queue on a {@link SimulatedUblkDriver}, for tests of other packages (a device's drains and swaps): the real
 * {@link QueueRunner}, started, in copy mode with per-tag commands, the kernel's side played by the test.
 */
public final class SimulatedQueue implements AutoCloseable {
    private final SimulatedUblkDriver driver;
    private final QueueRunner runner;

    /** A request's answer as the driver saw it: the tag's COMMIT_AND_FETCH_REQ and its result. */
    public record Answer(int tag, int result) {
    }

    private SimulatedQueue(SimulatedUblkDriver driver, QueueRunner runner) {
        this.driver = driver;
        this.runner = runner;
    }

    /** A queue of {@code depth} tags serving {@code target} (of its size), every tag's first fetch in. */
    public static SimulatedQueue start(int depth, Target target, QueueRunner.TargetFailureListener listener)
            throws Exception {
        SimulatedUblkDriver driver = new SimulatedUblkDriver(depth, target.geometry().sizeBytes() >> 9, 0);
        try {
            return new SimulatedQueue(driver, driver.start(target, listener));
        } catch (Exception | Error e) {
            driver.shutDown();
            throw e;
        }
    }

    public QueueRunner runner() {
        return runner;
    }

    /** Hands tag {@code tag} a WRITE of {@code data} at {@code sector} once its fetch is in. */
    public void write(int tag, long sector, byte[] data) throws Exception {
        driver.request(tag, IoOp.WRITE, sector, data.length >> 9, 0, data);
    }

    /** The next answer of any tag, or null when none comes within {@code millis}. */
    public Answer awaitAnswer(long millis) throws InterruptedException {
        SimulatedUblkDriver.Commit c = driver.awaitCommit(millis);
        return c == null ? null : new Answer(c.tag(), c.result());
    }

    /** Ends the queue (aborting its fetches) and frees what the driver holds. */
    @Override
    public void close() throws Exception {
        driver.shutDown();
    }
}
