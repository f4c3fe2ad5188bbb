package io.jublk.core.device;

import io.jublk.target.Target;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A target's description for listings, as plain data: {@link Target#describe()}, or else its
 * {@link Target#describeJson()} parsed. What a target says is checked here, once, so that a listing never
 * carries text it did not parse: a description that is not plain data, or not a JSON object, is listed as
 * {@code {"unreadable": "..."}}, and a target that throws as {@code {"error": "..."}}.
 */
final class TargetDescription {
    private static final Logger LOG = LoggerFactory.getLogger(TargetDescription.class);

    private TargetDescription() {
    }

    static Map<String, Object> of(Target target) {
        try {
            Map<String, Object> described = target.describe();
            if (described != null) {
                Json.write(described); // plain data only
                return new LinkedHashMap<>(described);
            }
            String json = target.describeJson();
            try {
                return Json.readObject(json == null ? "" : json);
            } catch (IOException e) {
                LOG.debug("target {}: description {} is not a JSON object: {}", target, json, e.getMessage());
                return Map.of("unreadable", String.valueOf(json));
            }
        } catch (IllegalArgumentException e) {
            return Map.of("unreadable", e.getMessage());
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError v) {
                throw v;
            }
            return Map.of("error", String.valueOf(e));
        }
    }
}
