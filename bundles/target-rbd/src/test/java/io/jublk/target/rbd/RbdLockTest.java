package io.jublk.target.rbd;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.target.IoOperation;
import io.jublk.target.TargetException;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import io.jublk.testkit.RingHarness;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

/** The exclusive lock as the fence between writers, with second processes as the other writers. */
public class RbdLockTest {
    private static final AtomicInteger IMAGES = new AtomicInteger();
    private static CephCluster ceph;

    private RingHarness harness;
    private String image;

    @BeforeClass
    public static void cluster() throws Exception {
        ceph = CephCluster.get();
    }

    @Before
    public void setUp() throws Exception {
        harness = new RingHarness();
        image = "lock" + IMAGES.incrementAndGet();
        ceph.createImage(image, 8);
    }

    @After
    public void tearDown() {
        harness.close();
    }

    private RbdTarget open() throws TargetException {
        return (RbdTarget) new RbdTargetFactory().open(new TargetOptions(ceph.options(image)));
    }

    @Test
    public void aSecondDiskOfThisServerIsRefused() throws Exception {
        try (RbdTarget first = open()) {
            try (RbdTarget second = open()) {
                fail("a second writer was let in");
            } catch (TargetException e) {
                assertEquals("rbd/" + image + " is already served by a disk of this server", e.getMessage());
            }
        }
        open().close(); // released on close
    }

    @Test
    public void aSecondJublkProcessIsRefusedInOneLine() throws Exception {
        try (RbdTarget held = open()) {
            Process p = holder();
            try {
                String line = firstLine(p);
                assertTrue(line, line.startsWith("REFUSED: rbd/" + image + " is in use by 127.0.0.1:0/"));
                assertTrue(line, line.endsWith(": refusing a second writer"));
                assertTrue(line, line.contains("(jublk pid " + ProcessHandle.current().pid() + " on "));
                assertTrue(p.waitFor(20, TimeUnit.SECONDS));
                assertEquals(3, p.exitValue());
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    public void theLockOfAKilledJublkIsBrokenAndItsClientBlocklisted() throws Throwable {
        Process p = holder();
        try {
            assertEquals("HOLDING", firstLine(p));
            List<String> owners = owners();
            assertEquals(1, owners.size());
            String holder = ceph.rbd("image-meta", "get", "rbd/" + image, ImageLock.HOLDER_KEY).trim();
            assertTrue(holder, holder.startsWith(owners.get(0) + " " + ImageLock.host() + " " + p.pid() + " "));
            p.destroyForcibly(); // SIGKILL: no unlock, its watch lingers on the OSD
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        long start = System.nanoTime();
        try (RbdTarget t = open()) {
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("took over a killed holder's lock in " + ms + " ms");
            assertTrue("took " + ms + " ms", ms < 15_000);
            String blocklist = ceph.ceph("osd", "blocklist", "ls");
            assertTrue(blocklist, blocklist.contains("127.0.0.1:0/"));
            TargetQueue q = t.openQueue(harness);
            var r = harness.request(0, IoOperation.READ, 0, 4096);
            assertEquals(4096, RbdTargetTest.run(q, r));
            assertEquals("the killed holder's write is there", 0x5a, r.buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
            var w = harness.request(1, IoOperation.WRITE, 4096, 4096);
            assertEquals(4096, RbdTargetTest.run(q, w));
            q.close();
        }
    }

    @Test
    public void aReplacedDiskOfThisProcessIsFencedBeforeItsSuccessorWrites() throws Throwable {
        RbdTarget old = open();
        try {
            TargetQueue oldQueue = old.openQueue(harness);
            assertEquals(4096, RbdTargetTest.run(oldQueue, harness.request(0, IoOperation.WRITE, 0, 4096)));
            // as if the old disk were in a target bundle being replaced (another class loader): not known here
            List<String> before = owners();
            ImageLock.released(ImageLock.key(old.image()));
            try (RbdTarget successor = open()) {
                TargetQueue q = successor.openQueue(harness);
                assertEquals(4096, RbdTargetTest.run(q, harness.request(1, IoOperation.WRITE, 4096, 4096)));
                var late = harness.request(2, IoOperation.WRITE, 0, 4096);
                late.completed = false;
                oldQueue.submit(late);
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!late.completed && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertFalse("the fenced disk's write succeeded", late.completed && late.result == 4096);
                assertNotEquals("the successor holds the lock now", before, owners());
                q.close();
            }
        } finally {
            old.close();
        }
    }

    /** The image's lockers' addresses, through {@code rbd lock ls}. */
    private List<String> owners() throws Exception {
        return ceph.rbd("lock", "ls", "rbd/" + image).lines().filter(l -> l.startsWith("client."))
                .map(l -> l.trim().split("\\s+")[l.trim().split("\\s+").length - 1]).toList();
    }

    private Process holder() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(), ceph.conf.toString(), image)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String firstLine(Process p) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = in.readLine();
        return line == null ? "(no output, exit " + (p.isAlive() ? "none" : p.exitValue()) + ")" : line;
    }
}
