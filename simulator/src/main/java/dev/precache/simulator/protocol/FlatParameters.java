package dev.precache.simulator.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A request's parameters as one flat map, the query protocol's way ({@code Name.N} for list members, numbered
 * from 1, {@code Name.Key} for fields), so that JSON and query requests read alike in the request log. Template
 * bodies and parameter values are left out: they are large, and a value may be a registry password.
 */
public final class FlatParameters {

    private static final Set<String> OMITTED = Set.of("TemplateBody", "Value");

    private FlatParameters() {}

    public static Map<String, String> of(QueryRequest request) {
        Map<String, String> flat = new LinkedHashMap<>();
        request.parameters().forEach((key, value) -> {
            if (!OMITTED.contains(key)) {
                flat.put(key, value);
            }
        });
        return flat;
    }

    public static Map<String, String> of(JsonNode request) {
        Map<String, String> flat = new LinkedHashMap<>();
        request.fields().forEachRemaining(field -> {
            if (!OMITTED.contains(field.getKey())) {
                flatten(field.getKey(), field.getValue(), flat);
            }
        });
        return flat;
    }

    private static void flatten(String key, JsonNode node, Map<String, String> flat) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(key + "." + (i + 1), node.get(i), flat);
            }
        } else if (node.isObject()) {
            node.fields().forEachRemaining(field -> flatten(key + "." + field.getKey(), field.getValue(), flat));
        } else {
            flat.put(key, node.asText());
        }
    }
}
