package dev.precache.simulator.ec2;

import java.time.Instant;
import java.util.Map;

/** A launch template with a single version; {@code data} is its LaunchTemplateData as CloudFormation gave it. */
public record LaunchTemplate(String id, String name, Instant createTime, Map<String, Object> data) {}
