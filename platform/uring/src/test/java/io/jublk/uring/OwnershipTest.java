package io.jublk.uring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Test;

/** A ring belongs to one thread; others can only wake it. */
public class OwnershipTest {

    @Test
    public void secondThreadIsRejected() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder(8).build())) {
            ring.sqe().nop().userData(1);
            List<Throwable> errors = new ArrayList<>();
            Thread intruder = new Thread(() -> {
                List<ErrorsTest.Action> misuse = List.of(ring::sqe, ring::trySqe, ring::submit,
                        () -> ring.submitAndWait(1), () -> ring.drain(new Recorder()), ring::sqSpace,
                        () -> ring.registerFiles(0), ring::unregisterBuffers, ring::close,
                        () -> ring.awaitCompletion(1, null));
                for (ErrorsTest.Action a : misuse) {
                    try {
                        a.run();
                        errors.add(new AssertionError("second thread was allowed in"));
                    } catch (WrongThreadException expected) {
                        // as it should be
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                }
            }, "intruder");
            intruder.start();
            intruder.join();
            assertEquals(List.of(), errors);
            // the owner's state is intact
            Recorder r = new Recorder();
            r.await(ring, 1);
            assertEquals(0, r.res(1));
        }
    }

    @Test
    public void handOffToTheThreadThatWillOwnTheRing() throws Exception {
        Ring ring = Ring.open(RingConfig.builder(8).wakeable(true).handOff(true).build());
        assertTrue((ring.setupFlags() & IoUring.SETUP_R_DISABLED) != 0);
        ErrorsTest.expect(IllegalStateException.class, ring::sqe);
        ring.registerFiles(-1, -1); // allowed before the hand-off
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Thread> ownerSeen = new AtomicReference<>();
        Thread queueThread = new Thread(() -> {
            try {
                ring.adopt();
                ownerSeen.set(ring.owner());
                ring.sqe().nop().userData(7);
                Recorder r = new Recorder();
                r.await(ring, 1);
                assertEquals(0, r.res(7));
                ring.close();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "queue-0");
        queueThread.start();
        queueThread.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertSame(queueThread, ownerSeen.get());
        assertTrue(ring.closedCleanly());
    }

    @Test
    public void wakerWakesABlockedOwnerAndHandsOverWork() throws Exception {
        ConcurrentLinkedQueue<Integer> handedOver = new ConcurrentLinkedQueue<>();
        AtomicReference<Ring> ringRef = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(1);
        int rounds = 200;
        List<Integer> received = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread owner = new Thread(() -> {
            try (Ring ring = Ring.open(RingConfig.builder(8).wakeable(true).build())) {
                ringRef.set(ring);
                ready.countDown();
                CompletionHandler handler = new CompletionHandler() {
                    @Override
                    public void onCompletion(long userData, int res, int flags) {
                        throw new AssertionError("unexpected completion " + userData);
                    }

                    @Override
                    public void onWakeup() {
                        for (Integer item; (item = handedOver.poll()) != null; ) {
                            received.add(item);
                        }
                    }
                };
                while (received.size() < rounds) {
                    ring.submitAndWait(1); // blocks: only the wake-up read is in flight
                    ring.drain(handler);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "wakeable-owner");
        owner.start();
        assertTrue(ready.await(10, TimeUnit.SECONDS));
        Waker waker = ringRef.get().waker();
        for (int i = 0; i < rounds; i++) {
            handedOver.add(i);
            assertTrue(waker.wake());
            if (i % 50 == 0) {
                Thread.sleep(5); // let the owner block in between
            }
        }
        owner.join(10_000);
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(rounds, received.size());
        assertTrue(ringRef.get().closedCleanly());
    }
}
