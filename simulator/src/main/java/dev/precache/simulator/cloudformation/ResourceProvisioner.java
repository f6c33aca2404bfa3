package dev.precache.simulator.cloudformation;

import dev.precache.simulator.RegionContext;
import dev.precache.simulator.cloudformation.template.BoundTemplate;
import dev.precache.simulator.cloudformation.template.ResourceResolver;
import dev.precache.simulator.cloudformation.template.TemplateException;
import dev.precache.simulator.ec2.BlockDevice;
import dev.precache.simulator.ec2.Ec2Model;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.ec2.LaunchSpec;
import dev.precache.simulator.ec2.LaunchTemplate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a stack's resources are outside CloudFormation: the IAM roles and profiles, launch templates and
 * instances each resource type creates, updates and deletes in the other services' models, and how a template
 * change affects each resource.
 */
final class ResourceProvisioner {
    /**
     * Properties whose change replaces the resource. The simulator also replaces an instance whose type
     * changes, where EC2 would stop and resize it.
     */
    private static final Map<String, Set<String>> REPLACING_PROPERTIES = Map.of(
            "AWS::IAM::Role", Set.of("RoleName", "Path"),
            "AWS::IAM::InstanceProfile", Set.of("InstanceProfileName", "Path"),
            "AWS::EC2::LaunchTemplate", Set.of("LaunchTemplateName"),
            "AWS::EC2::Instance", Set.of("ImageId", "InstanceType", "LaunchTemplate", "SubnetId", "NetworkInterfaces",
                    "AvailabilityZone", "BlockDeviceMappings"));

    private final RegionContext context;
    private final Ec2Model ec2;

    ResourceProvisioner(RegionContext context, Ec2Model ec2) {
        this.context = context;
        this.ec2 = ec2;
    }

    /** Removes what this stack resource made in the other services; unmodelled types exist only in the stack. */
    void delete(StackResource resource, long now) {
        switch (resource.type()) {
            case "AWS::EC2::Instance" -> ec2.findInstance(resource.physicalId())
                    .ifPresent(i -> ec2.terminate(List.of(i.instanceId()), now));
            case "AWS::EC2::LaunchTemplate" -> ec2.launchTemplates().stream()
                    .filter(t -> t.id().equals(resource.physicalId())).findFirst()
                    .ifPresent(t -> ec2.deleteLaunchTemplate(t.id()));
            case "AWS::IAM::Role" -> context.iam().deleteRole(resource.physicalId());
            case "AWS::IAM::InstanceProfile" -> context.iam().deleteInstanceProfile(resource.physicalId());
            default -> { }
        }
    }

    /** Whether a property whose change needs a new physical resource differs (AWS's "Update requires: Replacement"). */
    static boolean requiresReplacement(StackResource current, Map<String, Object> properties) {
        return REPLACING_PROPERTIES.getOrDefault(current.type(), Set.of()).stream()
                .anyMatch(name -> !Objects.equals(current.properties().get(name), properties.get(name)));
    }

    /** An in-place update: a launch template gets a new default version, a role its new policies. */
    StackResource updateInPlace(StackResource current, Map<String, Object> properties, long now) {
        Map<String, String> attributes = new LinkedHashMap<>(current.attributes());
        if (current.type().equals("AWS::EC2::LaunchTemplate")) {
            LaunchTemplate template = ec2.createLaunchTemplateVersion(current.physicalId(),
                    new ResourceProperties(properties).object("LaunchTemplateData").values());
            attributes.put("LatestVersionNumber", String.valueOf(template.latestVersion()));
            attributes.put("DefaultVersionNumber", String.valueOf(template.latestVersion()));
        }
        if (current.type().equals("AWS::IAM::Role")) {
            RolePolicies.register(context.iam(), current.physicalId(), new ResourceProperties(properties));
        }
        return new StackResource(current.logicalId(), current.type(), current.physicalId(), properties, attributes,
                "UPDATE_IN_PROGRESS", Instant.ofEpochMilli(now));
    }

    /** Creates the physical resource for a stack resource, named as CloudFormation names it when unnamed. */
    StackResource create(Stack stack, String logicalId, String type, Map<String, Object> resolved,
                                         long now) {
        ResourceProperties properties = new ResourceProperties(resolved);
        String generatedName = physicalName(stack, logicalId);
        Map<String, String> attributes = new LinkedHashMap<>();
        String physicalId;
        switch (type) {
            case "AWS::IAM::Role" -> {
                physicalId = Optional.ofNullable(properties.string("RoleName")).orElse(generatedName);
                attributes.put("Arn", "arn:aws:iam::" + context.accountId() + ":role/" + physicalId);
                attributes.put("RoleId", context.ids().next("AROA", 17).replace("-", "").toUpperCase());
                RolePolicies.register(context.iam(), physicalId, properties);
            }
            case "AWS::IAM::InstanceProfile" -> {
                physicalId = Optional.ofNullable(properties.string("InstanceProfileName")).orElse(generatedName);
                attributes.put("Arn", "arn:aws:iam::" + context.accountId() + ":instance-profile/" + physicalId);
                String profile = physicalId;
                properties.strings("Roles").stream().findFirst()
                        .ifPresent(role -> context.iam().putInstanceProfile(profile, role));
            }
            case "AWS::EC2::LaunchTemplate" -> {
                LaunchTemplate template = ec2.createLaunchTemplate(
                        Optional.ofNullable(properties.string("LaunchTemplateName")).orElse(generatedName),
                        properties.object("LaunchTemplateData").values(), now);
                physicalId = template.id();
                attributes.put("LaunchTemplateId", template.id());
                attributes.put("LatestVersionNumber", "1");
                attributes.put("DefaultVersionNumber", "1");
            }
            case "AWS::EC2::Instance" -> {
                Instance instance = ec2.launch(launchSpec(stack, logicalId, properties), now);
                physicalId = instance.instanceId();
                attributes.put("AvailabilityZone", instance.availabilityZone());
                attributes.put("PrivateIp", instance.privateIp());
                attributes.put("PrivateDnsName", "ip-" + instance.privateIp().replace('.', '-') + ".compute.internal");
            }
            default -> physicalId = generatedName;
        }
        return new StackResource(logicalId, type, physicalId, resolved, attributes, "CREATE_IN_PROGRESS",
                Instant.ofEpochMilli(now));
    }

    private String physicalName(Stack stack, String logicalId) {
        String suffix = context.ids().next("x", 12).substring(2).toUpperCase();
        String name = stack.name + "-" + logicalId + "-" + suffix;
        return name.length() <= 64 ? name : name.substring(name.length() - 64);
    }

    /** Instance properties override those of its launch template, as EC2 does. */
    private LaunchSpec launchSpec(Stack stack, String logicalId, ResourceProperties instance) {
        ResourceProperties template = instance.has("LaunchTemplate")
                ? lookupTemplateData(instance.object("LaunchTemplate"))
                : new ResourceProperties(Map.of());
        ResourceProperties profile = instance.has("IamInstanceProfile") ? null : template.object("IamInstanceProfile");
        String profileArn = profile == null ? profileArn(instance.string("IamInstanceProfile"))
                : Optional.ofNullable(profile.string("Arn")).orElseGet(() -> profileArn(profile.string("Name")));
        List<ResourceProperties> mappings = instance.has("BlockDeviceMappings")
                ? instance.list("BlockDeviceMappings") : template.list("BlockDeviceMappings");
        List<BlockDevice> devices = new ArrayList<>();
        for (ResourceProperties mapping : mappings) {
            ResourceProperties ebs = mapping.object("Ebs");
            devices.add(new BlockDevice(mapping.string("DeviceName"),
                    Optional.ofNullable(ebs.integer("VolumeSize")).orElse(8),
                    Optional.ofNullable(ebs.string("VolumeType")).orElse("gp3"),
                    ebs.integer("Iops"), ebs.integer("Throughput"), ebs.bool("Encrypted", false),
                    ebs.string("KmsKeyId"), ebs.bool("DeleteOnTermination", true), ebs.string("SnapshotId"),
                    ebs.integer("VolumeInitializationRate")));
        }
        Map<String, String> tags = new LinkedHashMap<>();
        Map<String, String> volumeTags = new LinkedHashMap<>();
        for (ResourceProperties spec : template.list("TagSpecifications")) {
            Map<String, String> specTags = new LinkedHashMap<>();
            spec.list("Tags").forEach(t -> specTags.put(t.string("Key"), t.string("Value")));
            switch (String.valueOf(spec.string("ResourceType"))) {
                case "instance" -> tags.putAll(specTags);
                case "volume" -> volumeTags.putAll(specTags);
                default -> { } // Other resource types (network interfaces, …) are not modelled.
            }
        }
        instance.list("Tags").forEach(t -> tags.put(t.string("Key"), t.string("Value")));
        tags.put("aws:cloudformation:stack-name", stack.name);
        tags.put("aws:cloudformation:stack-id", stack.id);
        tags.put("aws:cloudformation:logical-id", logicalId);
        String subnet = Optional.ofNullable(instance.string("SubnetId")).orElseGet(() -> template
                .list("NetworkInterfaces").stream().map(n -> n.string("SubnetId")).filter(s -> s != null)
                .findFirst().orElse("subnet-0default0000000"));
        return new LaunchSpec(first(instance.string("ImageId"), template.string("ImageId")),
                first(instance.string("InstanceType"), template.string("InstanceType"), "m5.large"),
                profileArn, subnet, devices, tags, volumeTags, first(instance.string("UserData"),
                template.string("UserData")));
    }

    private ResourceProperties lookupTemplateData(ResourceProperties reference) {
        String idOrName = first(reference.string("LaunchTemplateId"), reference.string("LaunchTemplateName"));
        return new ResourceProperties(ec2.launchTemplate(idOrName).data());
    }

    private String profileArn(String name) {
        return name == null ? null : name.startsWith("arn:") ? name
                : "arn:aws:iam::" + context.accountId() + ":instance-profile/" + name;
    }

    private static String first(String... candidates) {
        for (String candidate : candidates) {
            if (candidate != null) {
                return candidate;
            }
        }
        return null;
    }

    /** Ref and Fn::GetAtt over the resources this stack has provisioned so far. */
    ResourceResolver resolver(Stack stack) {
        return new ResourceResolver() {
            @Override
            public String ref(String logicalId) {
                return provisioned(stack, logicalId).physicalId();
            }

            @Override
            public String getAtt(String logicalId, String attribute) {
                String value = provisioned(stack, logicalId).attributes().get(attribute);
                if (value == null) {
                    throw new TemplateException("Template error: resource " + logicalId
                            + " does not support attribute type " + attribute + " in Fn::GetAtt");
                }
                return value;
            }
        };
    }

    private static StackResource provisioned(Stack stack, String logicalId) {
        StackResource resource = stack.resources.get(logicalId);
        if (resource == null) {
            throw new TemplateException("Template error: resource " + logicalId + " is not yet created");
        }
        return resource;
    }

    /**
     * What an update would do, as far as can be told before running it: a resource whose properties evaluate
     * differently is modified (replaced when a property that needs replacement changed); one that depends on a
     * changing resource is modified conditionally, as its inputs are known only once that one is updated.
     */
    List<ChangeSet.ResourceChange> plan(Stack stack, BoundTemplate next) {
        List<ChangeSet.ResourceChange> changes = new ArrayList<>();
        Set<String> changing = new HashSet<>();
        for (String logicalId : next.creationOrder()) {
            String type = next.resourceType(logicalId);
            StackResource current = stack.resources.get(logicalId);
            if (current == null) {
                changes.add(new ChangeSet.ResourceChange("Add", logicalId, null, type, null));
                changing.add(logicalId);
                continue;
            }
            Optional<Map<String, Object>> properties = resolvableNow(stack, next, logicalId);
            boolean differs = properties.map(p -> !p.equals(current.properties())).orElse(true);
            if (differs || next.dependencies(logicalId).stream().anyMatch(changing::contains)) {
                String replacement = properties.filter(p -> differs)
                        .map(p -> requiresReplacement(current, p) ? "True" : "False").orElse("Conditional");
                changes.add(new ChangeSet.ResourceChange("Modify", logicalId, current.physicalId(), type, replacement));
                changing.add(logicalId);
            }
        }
        for (StackResource current : stack.resources.values()) {
            if (!next.creationOrder().contains(current.logicalId())) {
                changes.add(new ChangeSet.ResourceChange("Remove", current.logicalId(), current.physicalId(),
                        current.type(), null));
            }
        }
        return changes;
    }

    private Optional<Map<String, Object>> resolvableNow(Stack stack, BoundTemplate next, String logicalId) {
        try {
            return Optional.of(next.resolveProperties(logicalId, resolver(stack)));
        } catch (TemplateException refersToResourceNotYetCreated) {
            return Optional.empty();
        }
    }
}
