package dev.precache.simulator.cloudformation;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A change set as {@code aws cloudformation deploy} uses them: CREATE or UPDATE of a whole template, with the
 * parameter values it will apply (previous values already filled in) and the resource changes it plans.
 */
public record ChangeSet(String id, String name, String stackId, String stackName, String type, String templateBody,
                        Map<String, String> parameters, List<String> capabilities, Instant created, String status,
                        String statusReason, List<ResourceChange> changes) {

    /**
     * One planned resource change. {@code replacement} is null for Add and Remove; for Modify it is True,
     * False, or Conditional when only a resource it depends on changes.
     */
    public record ResourceChange(String action, String logicalId, String physicalId, String resourceType,
                                 String replacement) {}

    String executionStatus() {
        return status.equals("CREATE_COMPLETE") ? "AVAILABLE" : "UNAVAILABLE";
    }
}
