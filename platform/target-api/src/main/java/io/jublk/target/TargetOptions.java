package io.jublk.target;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The options a device was made with, by long option name. Persisted with the device and given back to
 * {@link TargetFactory#open} on recovery, so values are plain strings. Flags are stored as "true".
 */
public final class TargetOptions {
    private final Map<String, String> values;

    public TargetOptions(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    public static TargetOptions empty() {
        return new TargetOptions(Map.of());
    }

    public Map<String, String> asMap() {
        return values;
    }

    public String get(String name) {
        return values.get(name);
    }

    public String require(String name) throws TargetException {
        String v = values.get(name);
        if (v == null || v.isEmpty()) {
            throw new TargetException("option --" + name + " is required");
        }
        return v;
    }

    public boolean flag(String name) {
        return Boolean.parseBoolean(values.get(name));
    }

    /** A size in bytes; accepts plain numbers and K/M/G/T suffixes (powers of 1024). */
    public long sizeBytes(String name, long defaultValue) throws TargetException {
        String v = values.get(name);
        return v == null ? defaultValue : Sizes.parse(name, v);
    }

    /** Rejects names no option of {@code specs} has, and missing required ones. */
    public void validateAgainst(List<OptionSpec> specs) throws TargetException {
        for (String name : values.keySet()) {
            if (specs.stream().noneMatch(s -> s.name().equals(name))) {
                throw new TargetException("unknown option --" + name);
            }
        }
        for (OptionSpec s : specs) {
            if (s.required() && !values.containsKey(s.name())) {
                throw new TargetException("option --" + s.name() + " is required");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TargetOptions other && other.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
