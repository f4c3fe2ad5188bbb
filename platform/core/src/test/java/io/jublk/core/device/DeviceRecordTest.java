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

    @Test
    public void readsBackWhatItWrote() throws Exception {
        DeviceRecord r = new DeviceRecord(12, "loop", new TargetOptions(Map.of("file", "/a \"b\"\\c\n")), 2, 64,
                512 << 10, 0x58, new HoldPolicy(java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(9)));
        Path dir = tmp.getRoot().toPath();
        r.writeTo(dir);
        assertEquals(r, DeviceRecord.read(DeviceRecord.file(dir, 12)));
        assertEquals(RecoveryMode.of(0x58), r.toSpec().recovery());
    }

    @Test
    public void damagedRecordsAreRejectedWithTheFileAndTheField() throws Exception {
        Path dir = tmp.getRoot().toPath();
        String good = new DeviceRecord(4, "null", TargetOptions.empty(), 1, 128, 512 << 10, 8).toJson();
        String[][] cases = {
            {good.replace("\"depth\": 128", "\"depth\": 0"), "\"depth\" must be an integer"},
            {good.replace("\"target\": \"null\"", "\"target\": \"../x\""), "\"target\" must be"},
            {good.replace("\"id\": 4", "\"id\": 5"), "it says device 5"},
            {good.substring(0, good.length() / 2), "bad JSON"},
            {good.replace("\"options\": {}", "\"options\": {\"a\": 1}"), "option \"a\" must be a string"},
            {good + "x", "text after the object"},
            {"", "unexpected end"},
        };
        for (String[] c : cases) {
            Path file = DeviceRecord.file(dir, 4);
            Files.writeString(file, c[0]);
            try {
                DeviceRecord.read(file);
                org.junit.Assert.fail("accepted: " + c[0]);
            } catch (java.io.IOException e) {
                assertTrue(e.getMessage(), e.getMessage().contains(file.toString()) && e.getMessage().contains(c[1]));
            }
        }
    }
}
