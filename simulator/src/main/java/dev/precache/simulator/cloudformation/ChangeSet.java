package dev.precache.simulator.cloudformation;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A change set as {@code aws cloudformation deploy} uses them: CREATE or UPDATE of a whole template. */
public record ChangeSet(String id, String name, String stackId, String stackName, String type, String templateBody,
                        Map<String, String> parameters, Instant created, String status, String statusReason,
                        List<String> addedResources) {
    String executionStatus() {
        return status.equals("CREATE_COMPLETE") ? "AVAILABLE" : "UNAVAILABLE";
    }
}
