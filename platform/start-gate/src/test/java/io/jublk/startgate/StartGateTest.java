package io.jublk.startgate;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.core.device.DevicesRecovered;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.FileHandler;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.felix.framework.FrameworkFactory;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

/**
 * The gate in a real Felix (Karaf's framework), started as Karaf's launcher starts it, with the framework's levels
 * moved as Karaf moves them: a "jublk-core" bundle at 25, a "console" bundle at 30, Karaf's beginning level 25.
 */
public class StartGateTest {
    private static final int CORE_LEVEL = 25;
    private static Path gateLog;
    private static String beginningBefore;
    /** Held: java.util.logging keeps loggers only weakly, with their handlers. */
    private static Logger gateLogger;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Framework felix;
    private StartGate gate;

    @BeforeClass
    public static void logToAFile() throws IOException {
        beginningBefore = System.getProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL);
        gateLog = Files.createTempFile("start-gate", ".log");
        FileHandler file = new FileHandler(gateLog.toString());
        file.setFormatter(new SimpleFormatter());
        gateLogger = Logger.getLogger(StartGate.class.getName());
        gateLogger.addHandler(file);
    }

    @AfterClass
    public static void restore() throws IOException {
        if (beginningBefore == null) {
            System.clearProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL);
        } else {
            System.setProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, beginningBefore);
        }
        System.clearProperty(GateLog.STATE);
        Files.deleteIfExists(gateLog);
    }

    @After
    public void stopFelix() throws Exception {
        if (felix == null) {
            return;
        }
        if (gate != null) {
            gate.stop(felix.getBundleContext());
        }
        felix.stop();
        felix.waitForStop(10_000);
    }

    /** The devices first: nothing above the core's level starts until the core says its devices are recovered. */
    @Test
    public void holdsTheCoresLevelUntilTheDevicesAreRecovered() throws Exception {
        boot(Map.of());
        Bundle core = bundle("jublk-core", CORE_LEVEL);
        Bundle console = bundle("console", 30);
        karafRaisesTo(CORE_LEVEL);
        assertEquals(Bundle.ACTIVE, core.getState());
        Thread.sleep(500);
        assertEquals("held at the core's level", CORE_LEVEL, level());
        assertNotEquals("the console waits", Bundle.ACTIVE, console.getState());

        publishRecovered(core, 2, 3);
        await("the final level", () -> level() == 100);
        await("the console started", () -> console.getState() == Bundle.ACTIVE);
        assertEquals("Karaf's console waits for the final level now", "100",
                System.getProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL));
        assertLogged("the jublk core has served its recorded devices again (2 of 3); start level 25 -> 100");
    }

    /** A first start: the features service installs the core later, so there is nothing to wait for. */
    @Test
    public void opensAtOnceWithoutACore() throws Exception {
        boot(Map.of());
        Bundle console = bundle("console", 30);
        karafRaisesTo(CORE_LEVEL);
        await("the final level", () -> level() == 100);
        await("the console started", () -> console.getState() == Bundle.ACTIVE);
        assertLogged("no active jublk-core bundle at start level 25");
    }

    /** A core that was stopped (bundle:stop) is not waited for either. */
    @Test
    public void opensAtOnceWhenTheCoreIsStopped() throws Exception {
        boot(Map.of());
        Bundle core = bundle("jublk-core", CORE_LEVEL);
        core.stop();
        karafRaisesTo(CORE_LEVEL);
        await("the final level", () -> level() == 100);
    }

    /** The safety net: a core that never says so holds the framework for the time-out only. */
    @Test
    public void opensAfterTheTimeoutWhenTheCoreSaysNothing() throws Exception {
        boot(Map.of(StartGate.TIMEOUT, "2"));
        bundle("jublk-core", CORE_LEVEL);
        Bundle console = bundle("console", 30);
        long t0 = System.nanoTime();
        karafRaisesTo(CORE_LEVEL);
        Thread.sleep(1000);
        assertEquals("held before the time-out", CORE_LEVEL, level());
        await("the final level", () -> level() == 100);
        assertTrue("not before the time-out", System.nanoTime() - t0 >= 2_000_000_000L);
        await("the console started", () -> console.getState() == Bundle.ACTIVE);
        assertLogged("has not said \"devices recovered\" 2 s after start level 25 (jublk.startgate.timeout)");
    }

    /** Someone raised the level beyond the final one meanwhile: the gate leaves it there. */
    @Test
    public void neverLowersALevel() throws Exception {
        boot(Map.of());
        Bundle core = bundle("jublk-core", CORE_LEVEL);
        karafRaisesTo(CORE_LEVEL);
        felix.adapt(FrameworkStartLevel.class).setStartLevel(120);
        await("raised by someone else", () -> level() == 120);
        publishRecovered(core, 0, 0);
        Thread.sleep(300);
        assertEquals(120, level());
        assertLogged("start level 120 left as it is");
    }

    /** Karaf's lock lost and regained: down to 1, back to 25, and held again until the core (restarted) says so. */
    @Test
    public void holdsAgainWhenKarafRaisesToTheCoresLevelAgain() throws Exception {
        boot(Map.of());
        Bundle core = bundle("jublk-core", CORE_LEVEL);
        karafRaisesTo(CORE_LEVEL);
        publishRecovered(core, 0, 0);
        await("the final level", () -> level() == 100);
        karafRaisesTo(1); // lockLost: Karaf's lock level
        karafRaisesTo(CORE_LEVEL); // lockAcquired
        Thread.sleep(500);
        assertEquals("held again", CORE_LEVEL, level());
        publishRecovered(core, 1, 1);
        await("the final level", () -> level() == 100);
    }

    /** The level it raises to and the time-out are settings; a bad one is one line and the default. */
    @Test
    public void settings() throws Exception {
        boot(Map.of(StartGate.FINAL_LEVEL, "80", StartGate.TIMEOUT, "soon"));
        Bundle core = bundle("jublk-core", CORE_LEVEL);
        karafRaisesTo(CORE_LEVEL);
        publishRecovered(core, 0, 0);
        await("the configured final level", () -> level() == 80);
        assertLogged("jublk.startgate.timeout = 'soon' is not a number >= 0; using 60");
    }

    // ---- a Karaf-like framework -------------------------------------------------------------------------------

    /** Felix at level 1 with the gate started, as Karaf's launcher leaves it before it takes its lock. */
    private void boot(Map<String, String> settings) throws Exception {
        Map<String, String> config = new HashMap<>(settings);
        config.put(Constants.FRAMEWORK_STORAGE, tmp.newFolder("felix").getPath());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, "1");
        System.setProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(CORE_LEVEL));
        felix = new FrameworkFactory().newFramework(config);
        felix.init();
        felix.start();
        gate = new StartGate();
        gate.start(felix.getBundleContext());
    }

    /** Karaf's launcher: setStartLevel; returns once the framework has moved there (its bundles started). */
    private void karafRaisesTo(int level) throws Exception {
        CountDownLatch moved = new CountDownLatch(1);
        felix.adapt(FrameworkStartLevel.class).setStartLevel(level, e -> moved.countDown());
        assertTrue("start level " + level + " reached", moved.await(10, TimeUnit.SECONDS));
    }

    /** An empty bundle named {@code name} at {@code level}, started (persistently, as the features service does). */
    private Bundle bundle(String name, int level) throws Exception {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        a.putValue(Constants.BUNDLE_SYMBOLICNAME, name);
        ByteArrayOutputStream jar = new ByteArrayOutputStream();
        new JarOutputStream(jar, mf).close();
        BundleContext system = felix.getBundleContext();
        Bundle b = system.installBundle("test:" + name, new ByteArrayInputStream(jar.toByteArray()));
        b.adapt(BundleStartLevel.class).setStartLevel(level);
        b.start();
        return b;
    }

    /** What the core registers with its "devices recovered" line. */
    private static void publishRecovered(Bundle core, int served, int recorded) {
        core.getBundleContext().registerService(DevicesRecovered.class, new DevicesRecovered() {
        }, new Hashtable<>(Map.of(DevicesRecovered.SERVED, served, DevicesRecovered.RECORDED, recorded)));
    }

    private int level() {
        return felix.adapt(FrameworkStartLevel.class).getStartLevel();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached in 10 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void assertLogged(String text) throws Exception {
        await("the log says: " + text, () -> {
            try {
                return Files.readString(gateLog).contains(text);
            } catch (IOException e) {
                return false;
            }
        });
        assertTrue(System.getProperty(GateLog.STATE), System.getProperty(GateLog.STATE).contains(text)
                || text.contains("is not a number"));
    }

    /** The gate knows the core's service by name only (another class loader): the names must agree. */
    @Test
    public void namesAgreeWithTheCore() {
        assertEquals(DevicesRecovered.class.getName(), StartGate.RECOVERED);
        assertEquals(DevicesRecovered.SERVED, StartGate.SERVED);
        assertEquals(DevicesRecovered.RECORDED, StartGate.RECORDED);
    }

}
