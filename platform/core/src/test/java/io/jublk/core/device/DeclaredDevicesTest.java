package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.DeviceState;
import io.jublk.target.OptionSpec;
import io.jublk.target.Target;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Test;

/** etc/io.jublk.device-NAME.cfg: parsing, and the life of a declared device against a fake core. */
public class DeclaredDevicesTest {
    private final FakeCore core = new FakeCore();
    private final ScheduledThreadPoolExecutor worker = new ScheduledThreadPoolExecutor(1);

    @After
    public void stop() {
        worker.shutdownNow();
    }

    private static Map<String, Object> file(String name, Object... keyValues) {
        Map<String, Object> p = new HashMap<>();
        p.put("service.pid", "io.jublk.device~" + name);
        p.put("felix.fileinstall.filename", "file:/opt/jublk/etc/io.jublk.device-" + name + ".cfg");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put((String) keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    public void aDeclarationWithTheCoresDefaults() {
        CoreConfig defaults = CoreConfig.of(Map.of("queues", "2", "recovery", "recovery"));
        DeclaredDevice d = DeclaredDevice.of(file("data", "id", "3", "type", "loop", "option.file", "/srv/d.img",
                "option.read-only", "true", "depth", "64"), defaults);
        assertEquals("data", d.name());
        assertEquals(new DeviceSpec(3, 2, 64, DeviceSpec.DEFAULT_MAX_IO_BYTES, RecoveryMode.RECOVERY, "loop",
                new TargetOptions(Map.of("file", "/srv/d.img", "read-only", "true")), DataTransfer.AUTO,
                new HoldPolicy(Duration.ZERO, Duration.ofSeconds(60))), d.spec());
    }

    @Test
    public void badDeclarationsAreOneLineNamingTheKey() {
        Object[][] cases = {
            {file("a", "type", "null"), "id is missing"},
            {file("a", "id", "0"), "type is missing"},
            {file("a", "id", "0", "type", "../x"), "type is missing or not a target type name"},
            {file("a", "id", "x", "type", "null"), "id must be an integer"},
            {file("a", "id", "0", "type", "null", "queues", "0"), "queues must be 1..4096"},
            {file("a", "id", "0", "type", "null", "size", "1G"), "unknown key(s) [size]"},
            {file("a", "id", "0", "type", "null", "option.Bad Name", "1"), "option.Bad Name must be"},
            {file("a", "id", "0", "type", "null", "option.size", 5), "option.size must be"},
            // truncated files: a key whose value was cut off
            {file("a", "id", "", "type", "null"), "id must be an integer"},
            {file("a", "id", "0", "type", ""), "type is missing"},
            {file("a", "id", "0", "type", "null", "depth", ""), "depth must be an integer"},
            {file("a", "id", "0", "type", "null", "recovery", ""), "recovery must be"},
            // wrong types, as a typed configuration (Config Admin, not a .cfg file) may give them
            {file("a", "id", "0", "type", "null", "queues", Boolean.TRUE), "queues must be an integer"},
            {file("a", "id", "0", "type", 7), "type is missing or not a target type name"},
            {file("a", "id", 2.5, "type", "null"), "id must be an integer"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) c[0];
            try {
                DeclaredDevice.of(p, CoreConfig.DEFAULT);
                fail("accepted: " + p);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains((String) c[1]) && !e.getMessage().contains("\n"));
            }
        }
    }

    @Test
    public void madeWhenMissingLeftAloneWhenThere() throws Exception {
        core.types.add("null");
        DeclaredDevices a = new DeclaredDevices(core, worker);
        a.activate(file("a", "id", "5", "type", "null", "option.size", "1G"));
        settle();
        assertEquals(List.of(5), core.added);
        assertEquals("1G", core.specs.get(0).options().get("size"));
        DeclaredDevices c = new DeclaredDevices(core, new ScheduledThreadPoolExecutor(1));
        c.activate(file("c", "id", "5", "type", "null")); // there already
        Thread.sleep(200);
        assertEquals(List.of(5), core.added);
    }

    /** The kernel still has it, the core does not know it (its record is gone): taken over, not made anew. */
    @Test
    public void adoptedWhenOnlyTheKernelHasIt() throws Exception {
        core.types.add("null");
        core.unservedIds.add(6);
        DeclaredDevices b = new DeclaredDevices(core, worker);
        b.activate(file("b", "id", "6", "type", "null", "recovery", "reissue"));
        settle();
        assertEquals(List.of(), core.added);
        assertEquals(List.of(6), core.adopted);
    }

    @Test
    public void waitsForItsTargetType() throws Exception {
        DeclaredDevices d = new DeclaredDevices(core, worker);
        d.activate(file("a", "id", "1", "type", "qcow2"));
        settle();
        assertEquals(List.of(), core.added);
        core.types.add("qcow2");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(DeclaredDevices.RETRY_SECONDS + 5);
        while (core.added.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertEquals(List.of(1), core.added);
    }

    /**
     * Bad files beside a good one: each is one WARN line naming it and makes nothing; the good one is made.
     * (slf4j-simple writes to System.err as it is at each line, so the lines are caught here.)
     */
    @Test
    public void eachBadFileIsOneLineAndTheGoodOneIsStillMade() throws Exception {
        core.types.add("null");
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            new DeclaredDevices(core, worker).activate(file("cut", "id", "", "type", "null"));
            new DeclaredDevices(core, worker).activate(file("typed", "id", "8", "type", "null", "queues", Boolean.TRUE));
            new DeclaredDevices(core, worker).activate(file("extra", "id", "9", "type", "null", "colour", "red"));
            new DeclaredDevices(core, worker).activate(file("notype", "id", "10"));
            new DeclaredDevices(core, worker).activate(file("good", "id", "11", "type", "null"));
            settle();
        } finally {
            System.setErr(saved);
        }
        assertEquals(List.of(11), core.added);
        List<String> lines = err.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("declared device")).toList();
        for (String name : List.of("cut", "typed", "extra", "notype")) {
            List<String> about = lines.stream().filter(l -> l.contains("declared device " + name + ":")).toList();
            assertEquals(lines.toString(), 1, about.size());
            assertTrue(about.get(0), about.get(0).contains("WARN") && about.get(0).endsWith("; nothing made"));
        }
        assertTrue(lines.toString(), lines.stream().anyMatch(l -> l.contains("declared device good: ublk device 11 made")));
    }

    @Test
    public void aBadFileMakesNothingUntilItIsMadeGood() throws Exception {
        core.types.add("null");
        DeclaredDevices d = new DeclaredDevices(core, worker);
        d.activate(file("a", "id", "1", "type", "null", "queues", "many"));
        settle();
        assertEquals(List.of(), core.added);
        d.modified(file("a", "id", "1", "type", "null", "queues", "2"));
        settle();
        assertEquals(List.of(1), core.added);
        assertEquals(2, core.specs.get(0).queues());
    }

    /** Only a deleted file deletes the device; a stopping core or container keeps it for the next start. */
    @Test
    public void deletedWhenTheFileGoesOnly() throws Exception {
        core.types.add("null");
        DeclaredDevices d = new DeclaredDevices(core, worker);
        d.activate(file("a", "id", "2", "type", "null"));
        settle();
        d.deactivate(DeclaredDevices.BUNDLE_STOPPED);
        assertEquals(List.of(), core.deleted);
        DeclaredDevices again = new DeclaredDevices(core, new ScheduledThreadPoolExecutor(1));
        again.activate(file("a", "id", "2", "type", "null"));
        again.deactivate(DeclaredDevices.CONFIGURATION_DELETED);
        assertEquals(List.of(2), core.deleted);
        assertEquals("made once", List.of(2), core.added);
    }

    private void settle() throws Exception {
        worker.submit(() -> { }).get(5, TimeUnit.SECONDS);
    }

    /** The core's service as far as declared devices use it. */
    private static final class FakeCore implements UblkService {
        final List<String> types = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Integer> added = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<DeviceSpec> specs = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Integer> deleted = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Integer> unservedIds = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Integer> present = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Integer> adopted = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public DeviceStatus adopt(DeviceSpec spec) {
            adopted.add(spec.id());
            unservedIds.remove(Integer.valueOf(spec.id()));
            present.add(spec.id());
            return status(spec.id());
        }

        @Override
        public long kernelFeatures() {
            return 0;
        }

        @Override
        public Collection<TargetFactory> targets() {
            List<TargetFactory> out = new ArrayList<>();
            for (String t : types) {
                out.add(new TargetFactory() {
                    @Override
                    public String type() {
                        return t;
                    }

                    @Override
                    public String description() {
                        return t;
                    }

                    @Override
                    public List<OptionSpec> options() {
                        return List.of();
                    }

                    @Override
                    public Target open(TargetOptions options) {
                        throw new UnsupportedOperationException();
                    }
                });
            }
            return out;
        }

        @Override
        public DeviceStatus add(DeviceSpec spec) {
            added.add(spec.id());
            present.add(spec.id());
            specs.add(spec);
            return status(spec.id());
        }

        @Override
        public void delete(int id) {
            deleted.add(id);
            present.remove(Integer.valueOf(id));
        }

        @Override
        public DeviceStatus recover(int id) throws IOException {
            throw new IOException("not here");
        }

        @Override
        public List<DeviceStatus> list() {
            return present.stream().map(FakeCore::status).toList();
        }

        @Override
        public List<DeviceStatus> unserved() {
            return unservedIds.stream().map(FakeCore::status).toList();
        }

        private static DeviceStatus status(int id) {
            return new DeviceStatus(new DevInfo(1, 128, DeviceState.LIVE, 512 << 10, id, 1, 0, 0, 0, 0), null, "null",
                    Map.of(), new int[0]);
        }
    }
}
