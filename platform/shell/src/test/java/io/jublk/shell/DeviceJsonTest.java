package io.jublk.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.uapi.DeviceState;
import io.jublk.core.uapi.Feature;
import org.junit.Test;

/** ublk:list --json, read back with a real JSON parser. */
public class DeviceJsonTest {
    private final Console console = new Console();

    @Test
    public void aServedDevice() throws Exception {
        long flags = RecoveryMode.REISSUE.flags() | Feature.CMD_IOCTL_ENCODE.mask();
        console.ublk.served.add(FakeUblk.device(3, DeviceState.LIVE, flags, "null"));
        JsonArray all = JsonParser.parseString(console.run("ublk:list -n 3 --json")).getAsJsonArray();
        assertEquals(1, all.size());
        JsonObject d = all.get(0).getAsJsonObject();
        assertEquals(3, d.get("id").getAsInt());
        assertTrue(d.get("served").getAsBoolean());
        assertEquals("LIVE", d.get("state").getAsString());
        assertEquals(2, d.get("queues").getAsInt());
        assertEquals(64, d.get("depth").getAsInt());
        assertEquals(512 << 10, d.get("maxIoBytes").getAsInt());
        assertEquals(512, d.get("blockSize").getAsInt());
        assertEquals(1L << 30, d.get("capacity").getAsLong());
        assertEquals("0x" + Long.toHexString(flags), d.get("flags").getAsString());
        assertEquals("[\"USER_RECOVERY\",\"USER_RECOVERY_REISSUE\",\"CMD_IOCTL_ENCODE\"]", d.get("flagNames").toString());
        assertEquals("reissue", d.get("recovery").getAsString());
        assertEquals(4242, d.get("daemonPid").getAsInt());
        assertEquals("[103,203]", d.get("queueThreadIds").toString());
        assertEquals("null", d.get("targetType").getAsString());
        JsonObject target = d.get("target").getAsJsonObject();
        assertEquals(1L << 30, target.get("size").getAsLong());
        assertEquals("a \"quoted\" word", target.get("note").getAsString());
    }

    @Test
    public void recoveryModeComesFromTheKernelsFlags() throws Exception {
        console.ublk.served.add(FakeUblk.device(0, DeviceState.LIVE, 0, "null"));
        console.ublk.served.add(FakeUblk.device(1, DeviceState.LIVE, RecoveryMode.RECOVERY.flags(), "null"));
        console.ublk.served.add(FakeUblk.device(2, DeviceState.LIVE, RecoveryMode.FAIL_IO.flags(), "null"));
        JsonArray all = JsonParser.parseString(console.run("ublk:list --json")).getAsJsonArray();
        assertEquals("none", all.get(0).getAsJsonObject().get("recovery").getAsString());
        assertEquals("recovery", all.get(1).getAsJsonObject().get("recovery").getAsString());
        assertEquals("fail-io", all.get(2).getAsJsonObject().get("recovery").getAsString());
    }

    @Test
    public void unservedDevicesAreThereWithoutTarget() throws Exception {
        console.ublk.served.add(FakeUblk.device(4, DeviceState.LIVE, 0, "loop"));
        console.ublk.unserved.add(FakeUblk.device(1, DeviceState.QUIESCED, RecoveryMode.REISSUE.flags(), null));
        String out = console.run("ublk:list --json");
        JsonArray all = JsonParser.parseString(out).getAsJsonArray();
        assertEquals(2, all.size());
        JsonObject orphan = all.get(0).getAsJsonObject();
        assertEquals("sorted by id", 1, orphan.get("id").getAsInt());
        assertFalse(orphan.get("served").getAsBoolean());
        assertEquals("QUIESCED", orphan.get("state").getAsString());
        assertTrue(orphan.get("targetType").isJsonNull());
        assertTrue(orphan.get("target").isJsonNull());
        assertEquals(0, orphan.get("queueThreadIds").getAsJsonArray().size());
        assertTrue(all.get(1).getAsJsonObject().get("served").getAsBoolean());
        assertEquals("one device a line", 4, out.strip().split("\n").length);
    }
}
