package dev.precache.simulator.cloudformation;

import java.time.Instant;
import java.util.Map;

/**
 * A resource a stack provisioned: the properties it was provisioned with (intrinsics evaluated), so an update
 * can tell whether it changes, and the attributes {@code Fn::GetAtt} can read.
 */
public record StackResource(String logicalId, String type, String physicalId, Map<String, Object> properties,
                            Map<String, String> attributes, String status, Instant updated) {
    StackResource withStatus(String newStatus, Instant at) {
        return new StackResource(logicalId, type, physicalId, properties, attributes, newStatus, at);
    }
}
