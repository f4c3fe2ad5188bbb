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
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerSuite;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * No lost device, in the container on the ublk host: while fio writes with --verify=crc32c through a loop
 * device, the loop target bundle is replaced three times, a target throws, and the core bundle itself is
 * restarted twice. fio must end with no error and its data verified.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerSuite.class)
public class NoLostDeviceIT {
    private static final Pattern ADDED = Pattern.compile("dev id (\\d+): /dev/ublkb\\d+ LIVE");

    @Inject
    private SessionFactory sessions;

    @Inject
    private BundleContext context;

    private Console console;

    @Configuration
    public Option[] config() {
        return KarafOptions.jublkKaraf();
    }

    @Before
    public void setUp() {
        UblkHost.requireUblk();
        assumeTrue("fio not installed", Files.isExecutable(Path.of("/usr/bin/fio")));
        console = new Console(sessions);
    }

    @Test
    public void theLoopTargetBundleIsReplacedThreeTimesDuringFio() throws Exception {
        int id = add("ublk:add loop -q 2 -f " + backingFile("swap"));
        try {
            Process fio = startFio(id);
            Bundle loop = bundle("jublk-target-loop");
            for (int swap = 0; swap < 3; swap++) {
                Thread.sleep(1000);
                assertRunning(fio, "swap " + swap);
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
            assertFioClean(fio, "loop bundle stopped+started twice, updated once");
        } finally {
            console.run("ublk:del -n " + id);
        }
    }

    @Test
    public void aTargetThatThrowsIsReplacedWithoutAnIoError() throws Exception {
        TargetFactory loop = service(TargetFactory.class, "(jublk.target.type=loop)");
        FaultyFactory faulty = new FaultyFactory(loop, 300);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(TargetFactory.TYPE_PROPERTY, faulty.type());
        ServiceRegistration<TargetFactory> registration = context.registerService(TargetFactory.class, faulty, props);
        int id = -1;
        try {
            id = add("ublk:add faulty -q 2 -f " + backingFile("faulty"));
            assertFioClean(startFio(id), "a throwing target replaced");
            assertEquals("the first target threw once", 1, faulty.threw.get());
            assertTrue("a fresh target was opened", faulty.opened.get() >= 2);
            awaitServing(id);
        } finally {
            if (id >= 0) {
                console.run("ublk:del -n " + id);
            }
            registration.unregister();
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
                assertRunning(fio, "restart " + restart);
                core.stop();
                core.start();
                awaitServing(id);
            }
            assertFioClean(fio, "core bundle restarted twice");
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

    /**
     * 8192 random 4k writes, then their verification, paced at 1000 I/Os a second so that fio runs for at
     * least 16 s however fast the machine: the events must happen while it runs.
     */
    private static Process startFio(int id) throws Exception {
        return new ProcessBuilder("/usr/bin/fio", "--name=verify", "--filename=/dev/ublkb" + id,
                "--rw=randwrite", "--bs=4k", "--size=32M", "--direct=1", "--ioengine=io_uring", "--iodepth=32",
                "--rate_iops=1000", "--verify=crc32c", "--verify_fatal=1", "--do_verify=1", "--verify_state_save=0")
                .redirectErrorStream(true).start();
    }

    private static void assertRunning(Process fio, String event) throws Exception {
        if (!fio.isAlive()) {
            throw new AssertionError("fio ended (exit " + fio.exitValue() + ") before " + event + ":\n"
                    + new String(fio.getInputStream().readAllBytes()));
        }
    }

    private static void assertFioClean(Process fio, String events) throws Exception {
        assertTrue("fio finished", fio.waitFor(600, TimeUnit.SECONDS));
        String out = new String(fio.getInputStream().readAllBytes());
        assertEquals(out, 0, fio.exitValue());
        assertTrue(out, out.contains("err= 0"));
        // bench/nolost collects these lines: the pause the events caused, as fio's longest I/O latency
        System.out.println("pause: " + events + ": " + String.join("; ", out.lines()
                .filter(l -> l.matches("^ +lat \\((nsec|usec|msec)\\): .*"))
                .map(l -> l.trim().replaceAll(", avg.*", "")).toList()));
    }

    private void awaitServing(int id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String list = "";
        while (System.nanoTime() < deadline) {
            try {
                list = console.run("ublk:list -n " + id);
                if (list.contains("\"service\":\"serving\"") && list.contains(" state LIVE")) {
                    return;
                }
            } catch (Exception e) {
                list = e.toString(); // the commands are away while the core restarts
            }
            Thread.sleep(200);
        }
        throw new AssertionError("device " + id + " not served again: " + list);
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

    /** The loop target, whose first instance throws on its {@code failAt}th request (a test-only fault). */
    static final class FaultyFactory implements TargetFactory {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger threw = new AtomicInteger();
        private final TargetFactory loop;
        private final int failAt;

        FaultyFactory(TargetFactory loop, int failAt) {
            this.loop = loop;
            this.failAt = failAt;
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
            if (opened.incrementAndGet() > 1) {
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
                    return new TargetQueue() {
                        @Override
                        public void submit(IoRequest request) {
                            if (requests.incrementAndGet() == failAt) {
                                threw.incrementAndGet();
                                throw new IllegalStateException("test fault on request " + failAt);
                            }
                            q.submit(request);
                        }

                        @Override
                        public void onCompletion(long cookie, int res, int flags) {
                            q.onCompletion(cookie, res, flags);
                        }

                        @Override
                        public void close() {
                            q.close();
                        }
                    };
                }

                @Override
                public String describeJson() {
                    return inner.describeJson();
                }

                @Override
                public void close() {
                    inner.close();
                }
            };
        }
    }
}
