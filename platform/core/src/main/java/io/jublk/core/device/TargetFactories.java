package io.jublk.core.device;

import io.jublk.target.TargetFactory;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** The target factories bound now (whiteboard): every bound factory of each type; the last bound is the one used. */
final class TargetFactories {
    private final Map<String, List<TargetFactory>> factories = new ConcurrentHashMap<>();

    void add(TargetFactory factory) {
        factories.computeIfAbsent(factory.type(), t -> new CopyOnWriteArrayList<>()).add(factory);
    }

    /** Removes {@code factory}; true when another of its type remains. */
    boolean remove(TargetFactory factory) {
        List<TargetFactory> ofType = factories.getOrDefault(factory.type(), List.of());
        ofType.remove(factory);
        return !ofType.isEmpty();
    }

    /** The factory of {@code type} in use, or null when none is bound. */
    TargetFactory current(String type) {
        List<TargetFactory> ofType = factories.getOrDefault(type, List.of());
        return ofType.isEmpty() ? null : ofType.getLast();
    }

    /** The factory in use of each type, by type. */
    Collection<TargetFactory> current() {
        Map<String, TargetFactory> current = new TreeMap<>();
        for (String type : factories.keySet()) {
            TargetFactory f = current(type);
            if (f != null) {
                current.put(type, f);
            }
        }
        return current.values();
    }

    /** The types known, for a message. */
    String types() {
        return String.join(", ", new TreeMap<>(factories).keySet());
    }
}
