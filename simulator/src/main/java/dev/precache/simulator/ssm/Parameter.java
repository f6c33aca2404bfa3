package dev.precache.simulator.ssm;

import java.time.Instant;

/** One version of a Parameter Store parameter. */
public record Parameter(String name, String type, String value, long version, Instant lastModified,
                        String description) {}
