package io.jublk.core.queue;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.IoOp;
import io.jublk.target.DiskGeometry;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetQueue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The hand-over of requests between targets, against a simulated ublk driver (the core's state machine
 * only: the real queue, ring and target operations; the kernel's side played here). Each case is an
 * interleaving that lost or corrupted data before the attachments had generations and fences.
 */
public class SimulatedHandOverTest {
    private static final long SECTORS = 1L << 21; // 1 GiB
    private static final int LENGTH = 4096;

    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final QueueRunner.TargetFailureListener listener = (q, cause) -> failures.add(cause);
    private SimulatedUblkDriver driver;
    private Path file;

    /** UBLK_F_* flags of the command mode under test: none (per-tag commands) here. */
    long modeFlags() {
        return 0;
    }

    private SimulatedUblkDriver newDriver(int depth, long sectors, long flags) throws java.io.IOException {
        return new SimulatedUblkDriver(depth, sectors, flags | modeFlags());
    }

    @Before
    public void setUp() throws Exception {
        file = Files.createTempFile("handover", ".img");
        byte[] pattern = pattern(LENGTH * 16, 7);
        Files.write(file, pattern);
    }

    @After
    public void tearDown() throws Exception {
        if (driver != null) {
            driver.shutDown();
        }
        Files.deleteIfExists(file);
    }

    // ---- split brain after a forced detach --------------------------------------------------------------

    @Test
    public void aStuckWriteIsServedByTheNextTargetOnlyAfterTheOldOperationEnded() throws Exception {
        byte[] data = pattern(LENGTH, 1);
        SimulatedUblkDriver.Commit c = swapUnderStuckRequest(0, IoOp.WRITE, data);
        assertEquals(LENGTH, c.result());
        assertArrayEquals("the acknowledged write is in the file", data, fileBytes(8 * 512L, LENGTH));
    }

    @Test
    public void aStuckFlushIsAcknowledgedOnlyAfterTheNextTargetsFsync() throws Exception {
        SimulatedUblkDriver.Commit c = swapUnderStuckRequest(0, IoOp.FLUSH, null);
        assertEquals(0, c.result());
    }

    @Test
    public void aStuckReadReturnsTheFileNotTheOldTargetsAnswer() throws Exception {
        SimulatedUblkDriver.Commit c = swapUnderStuckRequest(0, IoOp.READ, null);
        assertEquals(LENGTH, c.result());
        assertArrayEquals(fileBytes(8 * 512L, LENGTH), c.data());
    }

    @Test
    public void aUserCopyWriteTakenBackKeepsItsData() throws Exception {
        byte[] data = pattern(LENGTH, 3);
        SimulatedUblkDriver.Commit c = swapUnderStuckRequest(Feature.USER_COPY.mask(), IoOp.WRITE, data);
        assertEquals(LENGTH, c.result());
        assertArrayEquals(data, fileBytes(8 * 512L, LENGTH));
    }

    /**
     * A request sits with a target whose ring operation does not complete; the target is detached (drain
     * limit over: forced) and a file target attached. The request must wait for the old operation, and the
     * old operation's completion must never reach the new target.
     */
    private SimulatedUblkDriver.Commit swapUnderStuckRequest(long flags, int op, byte[] data) throws Exception {
        driver = newDriver(4, SECTORS, flags);
        GatedTarget old = new GatedTarget();
        FileTarget next = new FileTarget(file);
        QueueRunner q = driver.start(old, listener);
        driver.request(0, op, 8, op == IoOp.FLUSH ? 0 : LENGTH / 512, 0, data);
        await(() -> old.submitted.get() == 1, "the old target has the request");

        CompletableFuture<Void> detached = q.detachTarget();
        Thread.sleep(50);
        assertFalse("a target holding a request is not detached gracefully", detached.isDone());
        q.forceDetach().get(5, TimeUnit.SECONDS);
        q.attachTarget(next).get(5, TimeUnit.SECONDS);
        assertNull("no answer while the old target's operation may still touch the tag",
                driver.awaitCommit(300));
        assertEquals("the old handler stays open while its operation is in flight", 0, old.queueCloses.get());
        assertEquals(1, q.stuckOperations());

        old.open(1); // the old operation completes now, after the swap
        SimulatedUblkDriver.Commit c = driver.awaitCommit(5000);
        assertNotNull("the request was served by the next target", c);
        assertEquals(0, c.tag());
        assertEquals("the old target's completion never reached the next one", 0, next.unexpected.get());
        assertEquals(1, next.completions.get());
        assertEquals("the old handler was closed once, after its last operation", 1, old.queueCloses.get());
        assertEquals(0, old.afterClose.get());
        assertTrue(detached.isDone());
        assertEquals(0, q.stuckOperations());

        // the tag serves on with the new target
        driver.request(0, IoOp.READ, 0, LENGTH / 512, 0, null);
        SimulatedUblkDriver.Commit again = driver.awaitCommit(5000);
        assertEquals(LENGTH, again.result());
        assertArrayEquals(fileBytes(0, LENGTH), again.data());
        old.close();
        return c;
    }

    /**
     * The device's fail-after policy must not answer a request a stuck target may still write for (a newer
     * write could land under it); deleting the device must (STOP_DEV waits for every request).
     */
    @Test
    public void aFencedRequestFailsOnlyWhenTheDeviceGoes() throws Exception {
        driver = newDriver(4, SECTORS, 0);
        GatedTarget stuck = new GatedTarget();
        QueueRunner q = driver.start(stuck, listener);
        driver.request(2, IoOp.WRITE, 0, LENGTH / 512, 0, new byte[LENGTH]);
        await(() -> stuck.submitted.get() == 1, "the target has the request");
        q.detachTarget();
        q.forceDetach().get(5, TimeUnit.SECONDS);
        q.failHeld().get(5, TimeUnit.SECONDS);
        assertNull("the hold policy leaves a fenced request alone", driver.awaitCommit(200));
        q.failAllHeld().get(5, TimeUnit.SECONDS);
        SimulatedUblkDriver.Commit c = driver.awaitCommit(5000);
        assertEquals(-5, c.result());
        stuck.open(1);
        stuck.close();
    }

    // ---- containment ---------------------------------------------------------------------------------------

    @Test
    public void anErrorFromATargetDetachesTheTargetNotTheQueue() throws Exception {
        driver = newDriver(4, SECTORS, 0);
        QueueRunner q = driver.start(new ThrowingTarget(() -> new AssertionError("a target bug")), listener);
        byte[] data = pattern(LENGTH, 5);
        driver.request(1, IoOp.WRITE, 16, LENGTH / 512, 0, data);
        await(() -> failures.size() == 1, "the failure is reported");
        assertTrue(failures.get(0) instanceof AssertionError);
        assertFalse("the queue thread goes on", q.finished().isDone());
        assertNull(driver.awaitCommit(100));

        q.detachTarget().get(5, TimeUnit.SECONDS);
        q.attachTarget(new FileTarget(file)).get(5, TimeUnit.SECONDS);
        SimulatedUblkDriver.Commit c = driver.awaitCommit(5000);
        assertEquals(LENGTH, c.result());
        assertArrayEquals(data, fileBytes(16 * 512L, LENGTH));
    }

    /**
     * A target that queued its ring operation for a request and then threw: the request is taken back, and
     * must wait for that operation as any other taken back from a target with operations in flight.
     */
    @Test
    public void aRequestWhoseTargetThrewAfterQueueingWaitsForThatOperation() throws Exception {
        driver = newDriver(4, SECTORS, 0);
        GatedTarget gated = new GatedTarget();
        Target throwsAfterQueueing = new TestTarget() {
            @Override
            public TargetQueue openQueue(QueueContext queue) {
                TargetQueue inner = gated.openQueue(queue);
                return new TargetQueue() {
                    @Override
                    public void submit(IoRequest request) {
                        inner.submit(request);
                        throw new IllegalStateException("thrown after queueing its operation");
                    }

                    @Override
                    public void onCompletion(long cookie, int res, int flags) {
                        inner.onCompletion(cookie, res, flags);
                    }
                };
            }
        };
        QueueRunner q = driver.start(throwsAfterQueueing, listener);
        byte[] data = pattern(LENGTH, 9);
        driver.request(1, IoOp.WRITE, 8, LENGTH / 512, 0, data);
        await(() -> failures.size() == 1, "the failure is reported");
        q.detachTarget();
        q.forceDetach().get(5, TimeUnit.SECONDS); // its operation outlasts the drain limit
        FileTarget next = new FileTarget(file);
        q.attachTarget(next).get(5, TimeUnit.SECONDS);
        assertNull("no answer while the old target's operation may still touch the tag", driver.awaitCommit(300));
        assertEquals(1, q.stuckOperations());

        gated.open(1);
        SimulatedUblkDriver.Commit c = driver.awaitCommit(5000);
        assertNotNull("served by the next target once the old operation ended", c);
        assertEquals(LENGTH, c.result());
        assertArrayEquals(data, fileBytes(8 * 512L, LENGTH));
        assertEquals("the old target's completion never reached the next one", 0, next.unexpected.get());
        gated.close();
    }

    @Test
    public void aRequestThatAlwaysBreaksItsTargetFailsWithEioAfterBoundedAttempts() throws Exception {
        driver = newDriver(4, SECTORS, 0);
        QueueRunner q = driver.start(new ThrowingTarget(() -> new IllegalStateException("poison")), listener);
        driver.request(2, IoOp.READ, 0, LENGTH / 512, 0, null);
        for (int attempt = 1; attempt < QueueRunner.MAX_ATTEMPTS; attempt++) {
            int reports = attempt;
            await(() -> failures.size() == reports, "failure " + reports + " reported");
            q.detachTarget().get(5, TimeUnit.SECONDS);
            q.attachTarget(new ThrowingTarget(() -> new IllegalStateException("poison"))).get(5, TimeUnit.SECONDS);
        }
        await(() -> failures.size() == QueueRunner.MAX_ATTEMPTS, "the last failure reported");
        q.detachTarget().get(5, TimeUnit.SECONDS);
        FileTarget healthy = new FileTarget(file);
        q.attachTarget(healthy).get(5, TimeUnit.SECONDS);
        SimulatedUblkDriver.Commit c = driver.awaitCommit(5000);
        assertEquals("failed, not retried for ever", -5, c.result());
        assertEquals("the healthy target never saw the poison request", 0, healthy.completions.get());

        driver.request(2, IoOp.READ, 0, LENGTH / 512, 0, null);
        assertEquals("the tag serves on", LENGTH, driver.awaitCommit(5000).result());
    }

    @Test
    public void targetResultsAreCheckedBeforeTheCommit() throws Exception {
        int[] answer = {0};
        driver = newDriver(4, SECTORS, 0);
        driver.start(new AnsweringTarget(answer), listener);
        assertEquals("a READ that did nothing would be requeued for ever", -5, serve(IoOp.READ, answer, 0));
        assertEquals("more than asked", -5, serve(IoOp.WRITE, answer, LENGTH + 512));
        assertEquals("no such errno", -5, serve(IoOp.READ, answer, -100_000));
        assertEquals("a short read stands", 512, serve(IoOp.READ, answer, 512));
        assertEquals("an errno stands", -28, serve(IoOp.WRITE, answer, -28));
        assertEquals("FLUSH succeeds with 0", 0, serve(IoOp.FLUSH, answer, 7));
    }

    private int serve(int op, int[] answer, int result) throws Exception {
        answer[0] = result;
        driver.request(3, op, 0, op == IoOp.FLUSH ? 0 : LENGTH / 512, 0, new byte[LENGTH]);
        return driver.awaitCommit(5000).result();
    }

    @Test
    public void aDiscardLongerThanAnIntIsRefusedNotTruncated() throws Exception {
        int[] answer = {0};
        AnsweringTarget target = new AnsweringTarget(answer);
        driver = newDriver(4, 1L << 24, 0);
        driver.start(target, listener);
        driver.request(0, IoOp.DISCARD, 0, 1 << 23, 0, null); // 4 GiB
        assertEquals(-22, driver.awaitCommit(5000).result());
        assertEquals("the target never saw a shortened discard", 0, target.seen.get());
    }

    @Test
    public void aCommitTheDriverRefusesIsSentAgainAsEio() throws Exception {
        int[] answer = {LENGTH};
        driver = newDriver(4, SECTORS, 0);
        driver.start(new AnsweringTarget(answer), listener);
        driver.refuseNextCommand(1, io.jublk.uring.sys.Errno.EINVAL);
        driver.request(1, IoOp.WRITE, 0, LENGTH / 512, 0, new byte[LENGTH]);
        SimulatedUblkDriver.Commit c = driver.awaitCommit(5000);
        assertEquals(List.of(1), driver.refused());
        assertEquals("the request is answered, not left with the server", -5, c.result());
        driver.request(1, IoOp.READ, 0, LENGTH / 512, 0, null);
        assertEquals(LENGTH, driver.awaitCommit(5000).result());
    }

    @Test
    public void anAttachWhoseCallerGaveUpNeverRunsLater() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        driver = newDriver(4, SECTORS, 0);
        QueueRunner q = driver.start(new BlockingTarget(release), listener);
        driver.request(0, IoOp.WRITE, 0, LENGTH / 512, 0, new byte[LENGTH]);
        Thread.sleep(100); // the queue thread now sits in the target's submit (as qcow2's slow path may)
        q.detachTarget();
        q.forceDetach();
        AtomicInteger opened = new AtomicInteger();
        CompletableFuture<Void> attach = q.attachTarget(new AnsweringTarget(new int[] {LENGTH}) {
            @Override
            public TargetQueue openQueue(QueueContext queue) {
                opened.incrementAndGet();
                return super.openQueue(queue);
            }
        });
        attach.cancel(false); // the caller's time limit ran out
        release.countDown();
        Thread.sleep(200);
        assertEquals("the withdrawn attach did not run", 0, opened.get());
        q.attachTarget(new FileTarget(file)).get(5, TimeUnit.SECONDS);
        assertNotNull(driver.awaitCommit(5000));
        try {
            attach.join();
        } catch (CancellationException expected) {
            // what the caller saw
        }
    }

    /**
     * USER_COPY: a WRITE's data is being copied in (its tag COPYING) when a swap attaches the next target in
     * the same loop turn; the request it hands over must still be that WRITE, with its data.
     */
    @Test
    public void anAttachWhileAWriteIsCopyingInKeepsItsData() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        driver = newDriver(4, SECTORS, Feature.USER_COPY.mask());
        QueueRunner q = driver.start(new BlockingTarget(release), listener);
        driver.request(0, IoOp.READ, 0, LENGTH / 512, 0, null);
        Thread.sleep(100); // the queue thread sits in the target's submit of tag 0
        byte[] data = pattern(LENGTH, 11);
        driver.request(1, IoOp.WRITE, 24, LENGTH / 512, 0, data); // waits in the driver for the next turn
        q.detachTarget();
        q.forceDetach();
        FileTarget next = new FileTarget(file);
        CompletableFuture<Void> attached = q.attachTarget(next);
        release.countDown(); // one turn now: tag 1 starts copying in, then the swap runs
        attached.get(5, TimeUnit.SECONDS);
        int served = 0;
        for (int i = 0; i < 2; i++) {
            SimulatedUblkDriver.Commit c = driver.awaitCommit(5000);
            assertNotNull(c);
            assertEquals("tag " + c.tag() + " answered", LENGTH, c.result());
            served++;
        }
        assertEquals(2, served);
        assertArrayEquals("the write that was copying during the swap is in the file", data,
                fileBytes(24 * 512L, LENGTH));
    }

    @Test
    public void aTargetThatWillNotOpenItsQueueLeavesTheQueueServing() throws Exception {
        driver = newDriver(4, SECTORS, 0);
        QueueRunner q = driver.start(null, listener);
        driver.request(0, IoOp.READ, 0, LENGTH / 512, 0, null);
        CompletableFuture<Void> bad = q.attachTarget(new AnsweringTarget(new int[] {0}) {
            @Override
            public TargetQueue openQueue(QueueContext queue) {
                throw new OutOfMemoryError("simulated");
            }
        });
        try {
            bad.get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
            assertTrue(expected.getCause() instanceof OutOfMemoryError);
        }
        q.attachTarget(new FileTarget(file)).get(5, TimeUnit.SECONDS);
        assertEquals(LENGTH, driver.awaitCommit(5000).result());
    }

    @Test
    public void aQueueThreadThatDiesSaysWhy() throws Exception {
        driver = newDriver(4, SECTORS, 0);
        QueueRunner q = driver.start(new AnsweringTarget(new int[] {LENGTH}), listener);
        driver.breakNextCommand = true;
        driver.request(0, 99, 0, 1, 0, null); // unknown: the queue answers it itself, outside any target
        q.finished().get(5, TimeUnit.SECONDS);
        assertNotNull("the device can tell its queue died, and why", q.failure());
        assertTrue(q.failure().getMessage().contains("simulated bug"));
        try {
            q.attachTarget(new FileTarget(file)).get(5, TimeUnit.SECONDS);
            throw new AssertionError("a dead queue accepted a control");
        } catch (java.util.concurrent.ExecutionException expected) {
            assertTrue(expected.getCause().getMessage().contains("has ended"));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private byte[] fileBytes(long offset, int length) throws Exception {
        byte[] all = Files.readAllBytes(file);
        return Arrays.copyOfRange(all, (int) offset, (int) offset + length);
    }

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(2);
        }
    }

    private abstract static class TestTarget implements Target {
        @Override
        public DiskGeometry geometry() {
            return new DiskGeometry(1L << 30, 512, 4096, false, false, false, false, 1L << 40, 4096);
        }

        @Override
        public String describeJson() {
            return "{}";
        }

        @Override
        public void close() {
        }
    }

    /** Throws what it is given from every submit. */
    private static final class ThrowingTarget extends TestTarget {
        private final java.util.function.Supplier<Throwable> what;

        ThrowingTarget(java.util.function.Supplier<Throwable> what) {
            this.what = what;
        }

        @Override
        public TargetQueue openQueue(QueueContext queue) {
            return request -> {
                Throwable t = what.get();
                if (t instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) t;
            };
        }
    }

    /** Answers every request at once with {@code answer[0]}. */
    private static class AnsweringTarget extends TestTarget {
        private final int[] answer;
        final AtomicInteger seen = new AtomicInteger();

        AnsweringTarget(int[] answer) {
            this.answer = answer;
        }

        @Override
        public TargetQueue openQueue(QueueContext queue) {
            return request -> {
                seen.incrementAndGet();
                request.complete(answer[0]);
            };
        }
    }

    /** Holds the queue thread in submit until released, then answers. */
    private static final class BlockingTarget extends TestTarget {
        private final CountDownLatch release;

        BlockingTarget(CountDownLatch release) {
            this.release = release;
        }

        @Override
        public TargetQueue openQueue(QueueContext queue) {
            return (IoRequest request) -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
        }
    }
}
