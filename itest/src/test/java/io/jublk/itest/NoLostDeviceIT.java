package io.jublk.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import io.jublk.target.IoRequest;
import io.jublk.target.OptionSpec;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.junit.Before;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * No lost device, in the container on the ublk host: while fio writes with --verify=crc32c through a loop
 * device, the loop target bundle is replaced three times, a target throws, and the core bundle itself is
 * restarted twice. fio must end with no error and its data verified.
 */
public class NoLostDeviceIT extends ContainerTestBase {
    private static final Pattern ADDED = Pattern.compile("dev id (\\d+): /dev/ublkb\\d+ LIVE");

    @Inject
    private BundleContext context;

    @Before
    public void setUp() {
        assumeTrue("fio not installed", Files.isExecutable(Path.of("/usr/bin/fio")));
    }

    @Test
    public void theLoopTargetBundleIsReplacedThreeTimesDuringFio() throws Exception {
        int id = add("ublk:add loop -q 2 -f " + backingFile("swap"));
        try {
            Process fio = startFio(id);
            Bundle loop = bundle("jublk-target-loop");
            for (int swap = 0; swap < 3; swap++) {
                Thread.sleep(1000);
                HostTools.assertRunning(fio, "swap " + swap);
                if (swap == 2) {
                    loop.update(); // bundle:update: the same as a new jar dropped into deploy/
                } else {
                    loop.stop();
                    assertTrue(console.run("ublk:list -n " + id), console.run("ublk:list -n " + id)
                            .contains("\"service\":\"waiting for target"));
                    Thread.sleep(500);
                    loop.start();
                }
                awaitServing(id);
            }
            HostTools.assertFioClean(fio, "loop bundle stopped+started twice, updated once");
        } finally {
            console.run("ublk:del -n " + id);
        }
    }

    @Test
    public void aTargetThatThrowsIsReplacedWithoutAnIoError() throws Exception {
        replacedUnderFio(Fault.THROW, "a throwing target replaced");
    }

    @Test
    public void aTargetThatThrowsAnErrorIsReplacedWithoutAnIoError() throws Exception {
        replacedUnderFio(Fault.ERROR, "a target throwing an Error replaced");
    }

    @Test
    public void aTargetThatNeverAnswersIsReplacedWithoutAnIoError() throws Exception {
        replacedUnderFio(Fault.NEVER, "a target that never answers replaced");
    }

    @Test
    public void aTargetThatAnswersAfterTheDrainLimitIsReplacedWithoutAnIoError() throws Exception {
        replacedUnderFio(Fault.SLOW, "a target slower than the drain limit replaced");
    }

    /**
     * The first instance of a loop target misbehaves at its 300th request (the watchdog's time-out is 3 s
     * here); the core replaces it while fio writes and verifies. For SLOW the stalled request is a ring
     * operation that completes 15 s later, after the 10 s drain limit: the core takes the request back but
     * hands it on only once that operation has completed.
     */
    private void replacedUnderFio(Fault fault, String events) throws Exception {
        TargetFactory loop = service(TargetFactory.class, "(jublk.target.type=loop)");
        FaultyFactory faulty = new FaultyFactory(loop, 300, fault);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(TargetFactory.TYPE_PROPERTY, faulty.type());
        ServiceRegistration<TargetFactory> registration = context.registerService(TargetFactory.class, faulty, props);
        int id = -1;
        try {
            id = add("ublk:add faulty -q 2 --target-timeout 3 -f " + backingFile("faulty-" + fault));
            HostTools.assertFioClean(startFio(id), events);
            assertEquals("the first target misbehaved once", 1, faulty.faults.get());
            assertTrue("a fresh target was opened", faulty.opened.get() >= 2);
            awaitServing(id);
        } finally {
            if (id >= 0) {
                console.run("ublk:del -n " + id);
            }
            registration.unregister();
        }
    }

    /**
     * The target service goes away (as in bundle:update) while its target sits on a request past the drain
     * limit; a new service comes. The request is taken back and served by the new target only after the old
     * operation completed.
     */
    @Test
    public void theTargetServiceIsReplacedWhileItHoldsARequestPastTheDrainLimit() throws Exception {
        TargetFactory loop = service(TargetFactory.class, "(jublk.target.type=loop)");
        FaultyFactory slow = new FaultyFactory(loop, 300, Fault.SLOW);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(TargetFactory.TYPE_PROPERTY, slow.type());
        ServiceRegistration<TargetFactory> first = context.registerService(TargetFactory.class, slow, props);
        ServiceRegistration<TargetFactory> second = null;
        int id = -1;
        try {
            id = add("ublk:add faulty -q 2 -f " + backingFile("update"));
            Process fio = startFio(id);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (slow.faults.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals("the old target stalls a request", 1, slow.faults.get());
            first.unregister(); // the bundle goes: drain limit, then the request is taken back
            first = null;
            second = context.registerService(TargetFactory.class, new FaultyFactory(loop, -1, Fault.NONE), props);
            HostTools.assertFioClean(fio, "target service replaced while it held a request past the drain limit");
            awaitServing(id);
        } finally {
            if (id >= 0) {
                console.run("ublk:del -n " + id);
            }
            if (first != null) {
                first.unregister();
            }
            if (second != null) {
                second.unregister();
            }
        }
    }

    @Test
    public void theCoreBundleIsRestartedTwiceDuringFio() throws Exception {
        int id = add("ublk:add loop -q 2 -f " + backingFile("core"));
        try {
            String list = console.run("ublk:list -n " + id);
            assertTrue(list, list.contains("\"recovery\":\"reissue\""));
            Process fio = startFio(id);
            Bundle core = bundle("jublk-core");
            for (int restart = 0; restart < 2; restart++) {
                Thread.sleep(1000);
                HostTools.assertRunning(fio, "restart " + restart);
                core.stop();
                core.start();
                awaitServing(id);
            }
            HostTools.assertFioClean(fio, "core bundle restarted twice");
        } finally {
            console.run("ublk:del -n " + id);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private int add(String command) throws Exception {
        String added = console.run(command);
        Matcher m = ADDED.matcher(added);
        assertTrue(added, m.find());
        return Integer.parseInt(m.group(1));
    }

    /** A 64 MiB backing file in the guest's /tmp. */
    private static Path backingFile(String name) throws Exception {
        Path file = Path.of("/tmp", "jublk-nolost-" + name + ".img");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        return file;
    }

    /** 8192 random 4k writes, then their verification: at least 16 s at fio's pace. */
    private static Process startFio(int id) throws Exception {
        return HostTools.verifyWriter(Path.of("/dev/ublkb" + id), "0", "32M");
    }

    private Bundle bundle(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName()))
                .findFirst().orElseThrow(() -> new AssertionError("no bundle " + symbolicName));
    }

    private <T> T service(Class<T> type, String filter) throws Exception {
        for (ServiceReference<T> ref : context.getServiceReferences(type, filter)) {
            return context.getService(ref);
        }
        throw new AssertionError("no " + type.getSimpleName() + " " + filter);
    }

    /** How the first instance of a {@link FaultyFactory} target misbehaves. */
    enum Fault {
        NONE, THROW, ERROR,
        /** Drops the request: never answers it, no operation in flight. */
        NEVER,
        /** A ring operation for the request that completes 15 s later; answers then (too late). */
        SLOW
    }

    /** The loop target, whose first instance misbehaves at its {@code failAt}th request (test-only faults). */
    static final class FaultyFactory implements TargetFactory {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger faults = new AtomicInteger();
        private final TargetFactory loop;
        private final int failAt;
        private final Fault fault;

        FaultyFactory(TargetFactory loop, int failAt, Fault fault) {
            this.loop = loop;
            this.failAt = failAt;
            this.fault = fault;
        }

        @Override
        public String type() {
            return "faulty";
        }

        @Override
        public String description() {
            return "loop that throws once (test only)";
        }

        @Override
        public List<OptionSpec> options() {
            return loop.options();
        }

        @Override
        public Target open(TargetOptions options) throws TargetException {
            Target inner = loop.open(options);
            if (opened.incrementAndGet() > 1 || fault == Fault.NONE) {
                return inner;
            }
            AtomicInteger requests = new AtomicInteger();
            return new Target() {
                @Override
                public io.jublk.target.DiskGeometry geometry() {
                    return inner.geometry();
                }

                @Override
                public TargetQueue openQueue(QueueContext queue) throws TargetException {
                    TargetQueue q = inner.openQueue(queue);
                    long slowCookie = QueueContext.MAX_COOKIE; // loop's cookies are tags
                    IoRequest[] stalled = new IoRequest[1];
                    return new TargetQueue() {
                        @Override
                        public void submit(IoRequest request) {
                            if (requests.incrementAndGet() != failAt) {
                                q.submit(request);
                                return;
                            }
                            faults.incrementAndGet();
                            switch (fault) {
                                case THROW -> throw new IllegalStateException("test fault on request " + failAt);
                                case ERROR -> throw new AssertionError("test Error on request " + failAt);
                                case NEVER -> { }
                                case SLOW -> {
                                    stalled[0] = request;
                                    queue.ring().sqe().timeout(TimeUnit.SECONDS.toNanos(15), 0, 0)
                                            .userData(queue.userData(slowCookie));
                                }
                                case NONE -> q.submit(request);
                            }
                        }

                        @Override
                        public void onCompletion(long cookie, int res, int flags) {
                            if (cookie == slowCookie) {
                                q.submit(stalled[0]); // never reached once the core took the request back
                                return;
                            }
                            q.onCompletion(cookie, res, flags);
                        }

                        @Override
                        public void close() {
                            q.close();
                        }
                    };
                }

                @Override
                public java.util.Map<String, Object> describe() {
                    return inner.describe();
                }

                @Override
                public void close() {
                    inner.close();
                }
            };
        }
    }
}
