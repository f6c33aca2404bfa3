package dev.precache.simulator.ec2;

import java.util.List;
import java.util.Map;

/**
 * Everything needed to launch one instance, whatever asked for it (CloudFormation or RunInstances): the tags
 * of the instance and those of the volumes launched with it, and its user data (base64, null when none).
 */
public record LaunchSpec(String imageId, String instanceType, String instanceProfileArn, String subnetId,
                         List<BlockDevice> blockDevices, Map<String, String> tags, Map<String, String> volumeTags,
                         String userData) {}
