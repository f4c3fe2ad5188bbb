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
        Map<String, Object> json = Json.readObject(Files.readString(DeviceRecord.file(dir, 3)));
        assertEquals(DeviceRecord.VERSION, json.get("version"));
        assertEquals(3, json.get("id"));
        assertEquals("loop", json.get("target"));
        assertEquals(Map.of("file", "/a \"b\"\\c", "read-only", "true"), json.get("options"));
        assertEquals(88, json.get("flags"));
        assertFalse("no temporary file left", Files.exists(dir.resolve("3.json.tmp")));
        assertEquals(1, Files.list(dir).count());
    }

    /** The format written before the "version" field (hand-written JSON, jublk 0.1): still read, as version 1. */
    @Test
    public void readsARecordOfTheFormatBeforeVersions() throws Exception {
        Path dir = tmp.getRoot().toPath();
        Files.writeString(DeviceRecord.file(dir, 7), """
                {
                  "id": 7,
                  "target": "loop",
                  "options": {"file": "/a \\"b\\"\\\\c\\n", "read-only": "true"},
                  "queues": 2,
                  "depth": 64,
                  "maxIoBytes": 524288,
                  "flags": 88,
                  "failAfterSeconds": 30,
                  "targetTimeoutSeconds": 9
                }
                """);
        assertEquals(new DeviceRecord(7, "loop", new TargetOptions(Map.of("file", "/a \"b\"\\c\n", "read-only", "true")),
                2, 64, 512 << 10, 0x58, new HoldPolicy(java.time.Duration.ofSeconds(30),
                java.time.Duration.ofSeconds(9))), DeviceRecord.read(DeviceRecord.file(dir, 7)));
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
            {good.replaceFirst("\"depth\" ?: 128", "\"depth\": 0"), "\"depth\" must be an integer"},
            {good.replaceFirst("\"depth\" ?: 128", "\"depth\": \"128\""), "\"depth\" must be an integer"},
            {good.replaceFirst("\"depth\" ?: 128", "\"depth\": 128.5"), "\"depth\" must be an integer"},
            {good.replaceFirst("\"target\" ?: \"null\"", "\"target\": \"../x\""), "\"target\" must be"},
            {good.replaceFirst("\"target\" ?: \"null\",", ""), "\"target\" must be"},
            {good.replaceFirst("\"id\" ?: 4", "\"id\": 5"), "it says device 5"},
            {good.substring(0, good.length() / 2), "bad JSON"},
            {good.replaceFirst("\"options\" ?: \\{ ?}", "\"options\": {\"a\": 1}"), "option \"a\" must be a string"},
            {good.replaceFirst("\"options\" ?: \\{ ?}", "\"options\": []"), "\"options\" must be an object"},
            {good.replaceFirst("\"id\" ?: 4", "\"id\": 4, \"colour\": \"red\""), "unknown field \"colour\""},
            {good.replaceFirst("\"id\" ?: 4", "\"id\": 4, \"id\": 4"), "Duplicate field 'id'"},
            {good.replaceFirst("\"version\" ?: 1", "\"version\": 2"), "format version 2"},
            {good + "x", "bad JSON: Unrecognized token 'x'"},
            {good + "{}", "text after the object"},
            {"[1]", "not a JSON object"},
            {"{\"", "bad JSON"}, // cut off inside the first name
            {good.substring(0, good.indexOf("\"options\"")), "bad JSON"}, // cut off after a comma
            {good.replaceFirst("\"flags\" ?: 8", "\"flags\": \"8\""), "\"flags\" must be an integer"},
            {good.replaceFirst("\"queues\" ?: 1", "\"queues\": -1"), "\"queues\" must be an integer"},
            {good.replaceFirst("\"options\" ?: \\{ ?}", "\"options\": null"), "\"options\" must be an object"},
            {good.replaceFirst("\"target\" ?: \"null\"", "\"target\": 3"), "\"target\" must be"},
            {good.replaceFirst("\"failAfterSeconds\" ?: 0", "\"failAfterSeconds\": -1"), "\"failAfterSeconds\" must be"},
            {"", "empty"},
        };
        for (String[] c : cases) {
            Path file = DeviceRecord.file(dir, 4);
            Files.writeString(file, c[0]);
            try {
                DeviceRecord.read(file);
                org.junit.Assert.fail("accepted: " + c[0]);
            } catch (java.io.IOException e) {
                assertTrue(e.getMessage(), e.getMessage().contains(file.toString()) && e.getMessage().contains(c[1]));
                assertFalse("one line: " + e.getMessage(), e.getMessage().contains("\n"));
                assertEquals("the file is left as it was", c[0], Files.readString(file));
            }
        }
    }
}
