package dev.precache.simulator.ec2;

import java.time.Instant;
import java.util.Map;

/**
 * A launch template: {@code data} is the LaunchTemplateData of its latest version as CloudFormation gave it;
 * older versions are not kept.
 */
public record LaunchTemplate(String id, String name, Instant createTime, int latestVersion, Map<String, Object> data) {
    LaunchTemplate nextVersion(Map<String, Object> newData) {
        return new LaunchTemplate(id, name, createTime, latestVersion + 1, newData);
    }
}
