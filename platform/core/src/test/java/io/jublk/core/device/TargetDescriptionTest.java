package io.jublk.core.device;

import static org.junit.Assert.assertEquals;

import io.jublk.target.DiskGeometry;
import io.jublk.target.QueueContext;
import io.jublk.target.Target;
import io.jublk.target.TargetQueue;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.Test;

/** What a target says of itself reaches listings as checked plain data, never as unchecked text. */
public class TargetDescriptionTest {

    @Test
    public void structuredDescriptionsAreTakenAsTheyAre() {
        Map<String, Object> d = TargetDescription.of(target(() -> Map.of("file", "/x \"y\"", "sizes", List.of(1, 2L)),
                null));
        assertEquals(Map.of("file", "/x \"y\"", "sizes", List.of(1, 2L)), d);
        assertEquals("{\"file\":\"/x \\\"y\\\"\",\"sizes\":[1,2]}", Json.write(new java.util.TreeMap<>(d)));
    }

    @Test
    public void aJsonStringIsParsedForTargetsWithoutDescribe() {
        assertEquals(Map.of("size", 1073741824), TargetDescription.of(target(null, "{\"size\":1073741824}")));
    }

    /** The defect: ublk:list --json spliced describeJson() in unchecked, so a bad one broke the whole array. */
    @Test
    public void badJsonIsListedAsAStringNotSplicedIn() {
        String bad = "{\"a\":1}, {\"injected\":true}";
        assertEquals(Map.of("unreadable", bad), TargetDescription.of(target(null, bad)));
        assertEquals(Map.of("unreadable", "[1]"), TargetDescription.of(target(null, "[1]")));
        assertEquals(Map.of("unreadable", "null"), TargetDescription.of(target(null, null)));
    }

    @Test
    public void notPlainDataOrAThrowingTargetIsSaidSo() {
        Map<String, Object> d = TargetDescription.of(target(() -> Map.of("thread", new Object()), null));
        assertEquals(d.toString(), List.of("unreadable"), List.copyOf(d.keySet()));
        d = TargetDescription.of(target(() -> {
            throw new IllegalStateException("closed");
        }, null));
        assertEquals(Map.of("error", "java.lang.IllegalStateException: closed"), d);
    }

    private static Target target(Supplier<Map<String, Object>> describe, String json) {
        return new Target() {
            @Override
            public DiskGeometry geometry() {
                throw new UnsupportedOperationException();
            }

            @Override
            public TargetQueue openQueue(QueueContext queue) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Map<String, Object> describe() {
                return describe == null ? null : describe.get();
            }

            @Override
            public String describeJson() {
                return json;
            }

            @Override
            public void close() {
            }
        };
    }
}
