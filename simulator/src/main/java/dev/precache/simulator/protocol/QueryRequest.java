package dev.precache.simulator.protocol;

import dev.precache.simulator.AwsException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A query-protocol request (form-encoded {@code Action=…&Version=…}). EC2 flattens lists as
 * {@code Name.N}; CloudFormation and STS as {@code Name.member.N}.
 */
public final class QueryRequest {
    private final Map<String, String> params;

    private QueryRequest(Map<String, String> params) {
        this.params = params;
    }

    public static QueryRequest parse(String form) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : form.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.put(decode(key), decode(value));
        }
        return new QueryRequest(params);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** Every parameter as sent, in order. */
    public Map<String, String> parameters() {
        return java.util.Collections.unmodifiableMap(params);
    }

    public String action() {
        return required("Action");
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(params.get(name));
    }

    public String required(String name) {
        String value = params.get(name);
        if (value == null) {
            throw new AwsException("MissingParameter", "The request must contain the parameter " + name);
        }
        return value;
    }

    public boolean flag(String name) {
        return get(name).map(Boolean::parseBoolean).orElse(false);
    }

    public Optional<Integer> integer(String name) {
        return get(name).map(Integer::valueOf);
    }

    /** Values of {@code prefix.1}, {@code prefix.2}, … in order. */
    public List<String> list(String prefix) {
        List<String> values = new ArrayList<>();
        for (int i = 1; params.containsKey(prefix + "." + i); i++) {
            values.add(params.get(prefix + "." + i));
        }
        return values;
    }

    /** Sub-requests for structured list members {@code prefix.1.*}, {@code prefix.2.*}, …. */
    public List<QueryRequest> members(String prefix) {
        List<QueryRequest> members = new ArrayList<>();
        for (int i = 1; ; i++) {
            String memberPrefix = prefix + "." + i + ".";
            Map<String, String> sub = new LinkedHashMap<>();
            params.forEach((k, v) -> {
                if (k.startsWith(memberPrefix)) {
                    sub.put(k.substring(memberPrefix.length()), v);
                }
            });
            if (sub.isEmpty()) {
                return members;
            }
            members.add(new QueryRequest(sub));
        }
    }

    /** Name/value pairs of EC2 filters ({@code Filter.N.Name}, {@code Filter.N.Value.M}). */
    public Map<String, List<String>> ec2Filters() {
        Map<String, List<String>> filters = new LinkedHashMap<>();
        for (QueryRequest filter : members("Filter")) {
            filters.put(filter.required("Name"), filter.list("Value"));
        }
        return filters;
    }

    /**
     * Key/value pairs of {@code prefix.N.Key} / {@code prefix.N.Value}, refused as EC2 and CloudFormation refuse
     * them: control characters, keys over 128 or values over 256 characters, keys starting with {@code aws:}
     * (AWS's own, any case), a key given twice.
     */
    public Map<String, String> tags(String prefix) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (QueryRequest tag : members(prefix)) {
            String key = tag.required("Key");
            String value = tag.get("Value").orElse("");
            requireTag(key.isEmpty() || key.codePointCount(0, key.length()) > 128 || hasControl(key), "A tag key");
            requireTag(value.codePointCount(0, value.length()) > 256 || hasControl(value), "The value of tag " + (tags.size() + 1));
            if (key.strip().toLowerCase(Locale.ROOT).startsWith("aws:")) {
                throw new AwsException("InvalidParameterValue",
                    "Tag keys starting with 'aws:' are reserved for internal use");
            }
            if (tags.put(key, value) != null) {
                throw new AwsException("InvalidParameterValue", "Duplicate tag key '" + key + "' specified");
            }
        }
        return tags;
    }

    /** The message echoes no part of the tag: it may hold what XML cannot carry. */
    private static void requireTag(boolean invalid, String what) {
        if (invalid) {
            throw new AwsException("InvalidParameterValue", what
                + " is invalid: keys are 1 to 128 characters, values 0 to 256, neither with control characters");
        }
    }

    private static boolean hasControl(String text) {
        return text.codePoints().anyMatch(c -> Character.getType(c) == Character.CONTROL);
    }
}
