package dev.precache.simulator.cloudformation;

import java.time.Instant;

/** One line of a stack's event log. */
public record StackEvent(String eventId, String logicalId, String physicalId, String resourceType, Instant timestamp,
                         String status, String reason) {}
