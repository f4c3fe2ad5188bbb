package io.jublk.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.core.device.DeviceRecord;
import io.jublk.core.device.UblkDevice;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.DeviceState;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import io.jublk.target.TargetOptions;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** The listing without a server: the reference server's fields where its scripts read them. */
public class LayoutTest {
    private static final long REISSUE = Feature.USER_RECOVERY.mask() | Feature.USER_RECOVERY_REISSUE.mask();
    private static final DevInfo QUIESCED = new DevInfo(2, 64, DeviceState.QUIESCED, 524288, 3, 4242, REISSUE,
            UblkDevice.SERVER_MARK, 0, 0);
    private static final Params PARAMS = new Params(new Params.Basic(0, 9, 12, 12, 9, 1024, 0, 2097152, 0), null,
            new Params.Devt(240, 3, 259, 7));
    private static final DeviceRecord RECORD = new DeviceRecord(3, "loop",
            new TargetOptions(Map.of("file", "/srv/a.img")), 2, 64, 524288, REISSUE);

    @Test
    public void aRecordedDeviceShowsItsStateWhereScriptsReadItAndItsTarget() {
        StringBuilder out = new StringBuilder();
        Layout.text(new Layout.Device(QUIESCED, PARAMS, RECORD), out);
        String[] lines = out.toString().split("\n");
        assertEquals("dev id 3: nr_hw_queues 2 queue_depth 64 block size 512 dev_capacity 1073741824", lines[0]);
        assertEquals("\tmax rq size 524288 daemon pid 4242 state QUIESCED", lines[1]);
        // the kernel's test suites: grep "state" | awk '{print $9}', grep "pid" | awk '{print $7}'
        assertEquals("QUIESCED", lines[1].trim().split("\\s+")[8]);
        assertEquals("4242", lines[1].trim().split("\\s+")[6]);
        assertEquals("\tflags 0x18 [ USER_RECOVERY USER_RECOVERY_REISSUE ]", lines[2]);
        assertEquals("\tublkc: 240:3 ublkb: 259:7 owner: 0:0", lines[3]);
        assertEquals("\ttarget {\"name\":\"loop\",\"recovery\":\"reissue\",\"service\":\"not served: no jublk server"
                + " runs\",\"backend\":{\"file\":\"/srv/a.img\"}}", lines[4]);
        assertEquals(5, lines.length);
    }

    @Test
    public void aDeviceWithoutRecordIsMarkedNotServed() {
        DevInfo dead = new DevInfo(1, 128, DeviceState.DEAD, 524288, 0, -1, 0, 0, 0, 0);
        StringBuilder out = new StringBuilder();
        Layout.text(new Layout.Device(dead, null, null), out);
        String[] lines = out.toString().split("\n");
        assertEquals("dev id 0: nr_hw_queues 1 queue_depth 128 block size 0 dev_capacity 0", lines[0]);
        assertEquals("DEAD", lines[1].trim().split("\\s+")[8]);
        assertTrue(lines[4], lines[4].startsWith("\tserved: no"));
    }

    @Test
    public void jsonHasTheServersFields() {
        String json = Layout.json(List.of(new Layout.Device(QUIESCED, PARAMS, RECORD)));
        assertTrue(json, json.startsWith("[\n{\"id\":3,\"served\":false,\"state\":\"QUIESCED\",\"queues\":2,"));
        assertTrue(json, json.contains("\"recovery\":\"reissue\",\"daemonPid\":4242,\"queueThreadIds\":[],"
                + "\"targetType\":\"loop\",\"target\":{\"name\":\"loop\""));
        assertEquals("[]", Layout.json(List.of()));
    }

    @Test
    public void onlyDevicesWithJubleksMarkAreJublks() {
        assertTrue(Layout.isJublks(QUIESCED));
        assertTrue(!Layout.isJublks(new DevInfo(1, 1, DeviceState.LIVE, 0, 1, 1, 0, 0, 0, 0)));
    }

    @Test
    public void featuresInTheServersLayout() {
        assertEquals("ublk_drv features: 0x18\n\tUSER_RECOVERY          0x8\n\tUSER_RECOVERY_REISSUE  0x10",
                Layout.features(REISSUE));
    }
}
