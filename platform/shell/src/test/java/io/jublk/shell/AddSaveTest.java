package io.jublk.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.core.device.CoreConfig;
import io.jublk.core.device.DeclaredDevice;
import io.jublk.core.device.DeviceSpec;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** ublk:add --save NAME: the device, then etc/io.jublk.device-NAME.cfg that declares it as it was made. */
public class AddSaveTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();
    private final Console console = new Console();
    private String etcBefore;
    private Path etc;

    @Before
    public void etc() {
        etc = tmp.getRoot().toPath();
        etcBefore = System.setProperty("karaf.etc", etc.toString());
    }

    @After
    public void restore() {
        if (etcBefore == null) {
            System.clearProperty("karaf.etc");
        } else {
            System.setProperty("karaf.etc", etcBefore);
        }
    }

    @Test
    public void writesADeclarationThatReadsBackAsTheSameDevice() throws Exception {
        String out = console.run("ublk:add loop -n 4 -q 2 --recovery fail-io --save web -f /srv/a\\b.img --read-only");
        Path file = etc.resolve("io.jublk.device-web.cfg");
        assertTrue(out, out.contains("declared in " + file));
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        Map<String, Object> properties = new HashMap<>();
        p.forEach((k, v) -> properties.put((String) k, v));
        DeviceSpec made = console.ublk.added.get(0);
        assertEquals("the save name is no target option", null, made.options().get("save"));
        DeviceSpec declared = DeclaredDevice.of(properties, CoreConfig.DEFAULT).spec();
        assertEquals(made.withTransfer(declared.transfer()), declared);
        assertEquals("/srv/a\\b.img", declared.options().get("file"));
    }

    @Test
    public void anExistingOrBadNameMakesNoDevice() throws Exception {
        Files.writeString(etc.resolve("io.jublk.device-web.cfg"), "id = 1\ntype = null\n");
        for (String name : new String[] {"web", "../x", "a:b"}) {
            try {
                console.run("ublk:add null --save " + name);
                fail("accepted --save " + name);
            } catch (Exception e) {
                assertTrue(e.getMessage(), e.getMessage().contains("exists already")
                        || e.getMessage().contains("a declared device's name"));
            }
        }
        assertEquals(0, console.ublk.added.size());
        assertEquals("id = 1\ntype = null\n", Files.readString(etc.resolve("io.jublk.device-web.cfg")));
    }
}
