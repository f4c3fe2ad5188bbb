package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jublk.target.TargetOptions;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** When the core's recovery at start counts as done (bench/start waits for its log line). No ublk driver needed. */
public class StartRecoveryTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void doneWhenEveryPendingDeviceIsSettled() {
        StartRecovery r = new StartRecovery();
        r.pending(1);
        r.pending(2);
        r.recordsRead(3);
        r.settled(1, true);
        assertFalse("device 2 still pending", r.done().isDone());
        r.settled(7, true); // not pending: not counted
        r.settled(2, false);
        assertEquals(Integer.valueOf(1), r.done().getNow(-1));
    }

    @Test
    public void notDoneBeforeTheRecordsAreRead() {
        StartRecovery r = new StartRecovery();
        r.pending(1);
        r.settled(1, true);
        assertFalse(r.done().isDone());
        r.recordsRead(1);
        assertEquals(Integer.valueOf(1), r.done().getNow(-1));
    }

    /** Done: DevicesRecovered registered after the line, with its counts; withdrawn when the core stops. */
    @Test
    public void publishesDevicesRecoveredOnceDoneUntilWithdrawn() {
        List<String> calls = new ArrayList<>();
        StartRecovery r = new StartRecovery();
        r.publish(context(calls));
        r.pending(3);
        r.recordsRead(2);
        assertTrue("not before it is done: " + calls, calls.isEmpty());
        r.settled(3, true);
        assertEquals(List.of("register " + DevicesRecovered.class.getName() + " served=1 recorded=2"), calls);
        r.withdraw();
        assertEquals("unregister", calls.get(calls.size() - 1));
    }

    /** A core that stops before it is done registers nothing afterwards. */
    @Test
    public void noDevicesRecoveredAfterWithdraw() {
        List<String> calls = new ArrayList<>();
        StartRecovery r = new StartRecovery();
        r.publish(context(calls));
        r.withdraw();
        r.recordsRead(0);
        assertTrue(r.done().isDone());
        assertEquals(List.of(), calls);
    }

    /** A BundleContext that notes registerService and unregister (nothing else is called). */
    @SuppressWarnings("unchecked")
    private static BundleContext context(List<String> calls) {
        ServiceRegistration<?> registration = (ServiceRegistration<?>) Proxy.newProxyInstance(
                StartRecoveryTest.class.getClassLoader(), new Class<?>[] {ServiceRegistration.class}, (p, m, a) -> {
                    calls.add(m.getName());
                    return null;
                });
        return (BundleContext) Proxy.newProxyInstance(StartRecoveryTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, m, a) -> {
                    Dictionary<String, ?> props = (Dictionary<String, ?>) a[2];
                    calls.add("register " + ((Class<?>) a[0]).getName() + " served="
                            + props.get(DevicesRecovered.SERVED) + " recorded=" + props.get(DevicesRecovered.RECORDED));
                    return registration;
                });
    }

    /** The real core, no records: done at once after activation. */
    @Test
    public void coreWithoutRecordsIsRecoveredAtOnce() throws Exception {
        assertEquals(Integer.valueOf(0), activatedCoreRecovery(tmp.newFolder("devices").toPath()));
    }

    /**
     * The real core with a record it cannot serve (no driver here; with one, no such device): done, none served;
     * the line does not wait for anything else.
     */
    @Test
    public void coreWithARecordItCannotServeIsDoneWithNoneServed() throws Exception {
        Path dir = tmp.newFolder("devices").toPath();
        new DeviceRecord(4095, "null", new TargetOptions(Map.of()), 1, 64, 512 << 10, 0x58).writeTo(dir);
        assertEquals(Integer.valueOf(0), activatedCoreRecovery(dir));
    }

    private Integer activatedCoreRecovery(Path records) throws Exception {
        DeviceManager core = new DeviceManager();
        System.setProperty("karaf.data", tmp.getRoot().toString());
        try {
            core.activate(null, Map.of("recordFolder", records.toString()));
            try {
                Integer served = core.startRecovery().get(10, TimeUnit.SECONDS);
                assertTrue(core.startRecovery().isDone());
                return served;
            } finally {
                core.deactivate();
            }
        } finally {
            System.clearProperty("karaf.data");
        }
    }
}
