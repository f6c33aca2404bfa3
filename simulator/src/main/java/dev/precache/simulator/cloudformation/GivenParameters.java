package dev.precache.simulator.cloudformation;

import dev.precache.simulator.AwsException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Parameters as a request gives them: values, and the keys marked {@code UsePreviousValue}. */
public record GivenParameters(Map<String, String> values, Set<String> usePrevious) {

    /** The values to bind when creating: there is no previous value to use. */
    Map<String, String> forCreate() {
        if (!usePrevious.isEmpty()) {
            throw new AwsException("ValidationError", "Invalid input for parameter key "
                    + usePrevious.iterator().next() + ". Cannot specify usePreviousValue as true for non-existing stack");
        }
        return values;
    }

    /** The values to bind when updating a stack whose parameters currently have {@code previous} values. */
    Map<String, String> forUpdate(Map<String, String> previous) {
        Map<String, String> merged = new LinkedHashMap<>(values);
        for (String key : usePrevious) {
            if (!previous.containsKey(key)) {
                throw new AwsException("ValidationError", "Invalid input for parameter key " + key
                        + ". Cannot specify usePreviousValue as true for a parameter key not in the previous template");
            }
            merged.put(key, previous.get(key));
        }
        return merged;
    }
}
