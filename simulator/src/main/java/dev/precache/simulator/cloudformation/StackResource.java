package dev.precache.simulator.cloudformation;

import java.time.Instant;
import java.util.Map;

/** A resource a stack provisioned, with the attributes {@code Fn::GetAtt} can read. */
public record StackResource(String logicalId, String type, String physicalId, Map<String, String> attributes,
                            String status, Instant updated) {
    StackResource withStatus(String newStatus, Instant at) {
        return new StackResource(logicalId, type, physicalId, attributes, newStatus, at);
    }
}
