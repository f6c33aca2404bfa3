package dev.precache.simulator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The resources a call names and their tags as the call arrives, for the request log: what IAM would read as
 * {@code aws:ResourceTag/…} (EC2 instances, volumes and snapshots, CloudFormation stacks) and, for SendCommand,
 * {@code ssm:resourceTag/…} (the target instances' EC2 tags), and CopySnapshot's source in its own region. Names of
 * resources that do not exist are left out.
 */
final class NamedResources {

    private static final Pattern EC2_ID = Pattern.compile("(InstanceId|SnapshotId|VolumeId|ResourceId)(\\.\\d+)?");
    private static final Pattern SSM_INSTANCE = Pattern.compile("InstanceIds\\.\\d+");

    private NamedResources() {}

    static Map<String, Map<String, String>> tags(String service, Map<String, String> parameters, Region region,
            Function<String, Region> regions) {
        Map<String, Map<String, String>> tags = new LinkedHashMap<>();
        parameters.forEach((key, value) -> {
            switch (service) {
                case "ec2" -> {
                    if (EC2_ID.matcher(key).matches()) {
                        region.ec2().tags(value).ifPresent(found -> tags.put(value, found));
                    } else if (key.equals("SourceSnapshotId") && parameters.containsKey("SourceRegion")) {
                        regions.apply(parameters.get("SourceRegion")).ec2().tags(value)
                                .ifPresent(found -> tags.put(value, found));
                    }
                }
                case "ssm" -> {
                    if (SSM_INSTANCE.matcher(key).matches()) {
                        region.ec2().tags(value).ifPresent(found -> tags.put(value, found));
                    }
                }
                case "cloudformation" -> {
                    if (key.equals("StackName")) {
                        region.cloudFormation().stackTags(value).ifPresent(found -> tags.put(value, found));
                    }
                }
                default -> { }
            }
        });
        return tags;
    }
}
