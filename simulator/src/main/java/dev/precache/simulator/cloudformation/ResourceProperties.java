package dev.precache.simulator.cloudformation;

import java.util.List;
import java.util.Map;

/** Typed reads of resolved template properties, where numbers and booleans may arrive as strings. */
record ResourceProperties(Map<String, Object> values) {
    @SuppressWarnings("unchecked")
    static ResourceProperties of(Object value) {
        return new ResourceProperties(value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of());
    }

    String string(String key) {
        Object value = values.get(key);
        return value == null ? null : String.valueOf(value);
    }

    Integer integer(String key) {
        String value = string(key);
        return value == null ? null : (int) Double.parseDouble(value);
    }

    boolean bool(String key, boolean fallback) {
        String value = string(key);
        return value == null ? fallback : Boolean.parseBoolean(value);
    }

    ResourceProperties object(String key) {
        return of(values.get(key));
    }

    List<ResourceProperties> list(String key) {
        return values.get(key) instanceof List<?> list ? list.stream().map(ResourceProperties::of).toList() : List.of();
    }

    /** A list of strings, or a single string as a list of one (IAM's Action and Resource take either). */
    List<String> strings(String key) {
        Object value = values.get(key);
        return value instanceof List<?> list ? list.stream().map(String::valueOf).toList()
                : value == null ? List.of() : List.of(String.valueOf(value));
    }

    boolean has(String key) {
        return values.containsKey(key);
    }
}
