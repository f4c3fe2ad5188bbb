package io.jublk.core.device;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jublk.target.TargetOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class DeviceRecordTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void writesAtomicallyWithEscapedOptions() throws Exception {
        DeviceRecord r = new DeviceRecord(3, "loop", new TargetOptions(Map.of("file", "/a \"b\"\\c", "read-only", "true")),
                2, 64, 512 << 10, 0x58);
        Path dir = tmp.getRoot().toPath().resolve("devices");
        r.writeTo(dir);
        String json = Files.readString(DeviceRecord.file(dir, 3));
        assertTrue(json, json.contains("\"id\": 3,"));
        assertTrue(json, json.contains("\"target\": \"loop\","));
        assertTrue(json, json.contains("\"options\": {\"file\": \"/a \\\"b\\\"\\\\c\", \"read-only\": \"true\"},"));
        assertTrue(json, json.contains("\"flags\": 88"));
        assertFalse("no temporary file left", Files.exists(dir.resolve("3.json.tmp")));
        assertEquals(1, Files.list(dir).count());
    }
}
