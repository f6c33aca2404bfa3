package dev.precache.simulator.cloudformation;

import dev.precache.simulator.AwsException;
import dev.precache.simulator.RegionContext;
import dev.precache.simulator.cloudformation.template.BoundTemplate;
import dev.precache.simulator.cloudformation.template.PseudoParameters;
import dev.precache.simulator.cloudformation.template.ResourceResolver;
import dev.precache.simulator.cloudformation.template.Template;
import dev.precache.simulator.cloudformation.template.TemplateException;
import dev.precache.simulator.ec2.BlockDevice;
import dev.precache.simulator.ec2.Ec2Model;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.ec2.LaunchSpec;
import dev.precache.simulator.ec2.LaunchTemplate;
import dev.precache.simulator.ssm.Parameter;
import dev.precache.simulator.ssm.SsmModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * CloudFormation state of one region. Resources are provisioned one after another in the template's
 * creation order, each taking a type-specific time, with an event at each step.
 */
public final class CloudFormationModel {
    private static final Map<String, Long> CREATE_MILLIS = Map.of(
            "AWS::IAM::Role", 15_000L,
            "AWS::IAM::InstanceProfile", 100_000L,
            "AWS::EC2::LaunchTemplate", 5_000L,
            "AWS::EC2::Instance", 35_000L);
    private static final Map<String, Long> DELETE_MILLIS = Map.of(
            "AWS::IAM::InstanceProfile", 20_000L,
            "AWS::EC2::Instance", 35_000L);
    private static final long DEFAULT_RESOURCE_MILLIS = 5_000;
    private static final long UPDATE_MILLIS = 10_000;

    private final RegionContext context;
    private final Ec2Model ec2;
    private final SsmModel ssm;
    private final List<Stack> stacks = new ArrayList<>();

    /** How long creating one resource of this type takes, in simulated milliseconds. */
    public static long createMillis(String resourceType) {
        return CREATE_MILLIS.getOrDefault(resourceType, DEFAULT_RESOURCE_MILLIS);
    }

    /** How long deleting one resource of this type takes, in simulated milliseconds. */
    public static long deleteMillis(String resourceType) {
        return DELETE_MILLIS.getOrDefault(resourceType, DEFAULT_RESOURCE_MILLIS);
    }

    public CloudFormationModel(RegionContext context, Ec2Model ec2, SsmModel ssm) {
        this.context = context;
        this.ec2 = ec2;
        this.ssm = ssm;
    }

    // ---- lookup ----

    /** A live stack by name, or any stack (deleted included) by its ID. */
    public Stack stack(String nameOrId) {
        return find(nameOrId).orElseThrow(() -> new AwsException("ValidationError",
                "Stack with id " + nameOrId + " does not exist"));
    }

    private Optional<Stack> find(String nameOrId) {
        return stacks.stream()
                .filter(s -> s.id.equals(nameOrId) || (s.name.equals(nameOrId) && !s.isDeleted()))
                .reduce((first, second) -> second);
    }

    public List<Stack> liveStacks() {
        return stacks.stream().filter(s -> !s.isDeleted()).toList();
    }

    public Collection<Stack> allStacks() {
        return stacks;
    }

    // ---- create ----

    public Stack createStack(String name, String templateBody, Map<String, String> parameters, String token,
                             Map<String, String> tags, long now) {
        Optional<Stack> existing = find(name);
        if (existing.isPresent()) {
            if (token != null && token.equals(existing.get().clientRequestToken)) {
                return existing.get();
            }
            throw new AwsException("AlreadyExistsException", "Stack [" + name + "] already exists");
        }
        Stack stack = newStack(name, token, tags, now);
        bind(stack, templateBody, parameters);
        stacks.add(stack);
        startCreate(stack, now);
        return stack;
    }

    private Stack newStack(String name, String token, Map<String, String> tags, long now) {
        if (!name.matches("[a-zA-Z][-a-zA-Z0-9]{0,127}")) {
            throw new AwsException("ValidationError", "1 validation error detected: Value '" + name
                    + "' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression "
                    + "pattern: [a-zA-Z][-a-zA-Z0-9]*");
        }
        String id = "arn:aws:cloudformation:" + context.region() + ":" + context.accountId() + ":stack/" + name + "/"
                + context.ids().uuid();
        return new Stack(id, name, Instant.ofEpochMilli(now), token, tags);
    }

    private void bind(Stack stack, String templateBody, Map<String, String> parameters) {
        try {
            stack.template = Template.parse(templateBody).bind(parameters,
                    new PseudoParameters(context.region(), context.accountId(), stack.name, stack.id),
                    name -> ssm.findParameter(name).map(Parameter::value));
        } catch (TemplateException e) {
            throw new AwsException("ValidationError", e.getMessage());
        }
        stack.templateBody = templateBody;
        stack.requestedParameters = parameters;
    }

    private void startCreate(Stack stack, long now) {
        setStatus(stack, "CREATE_IN_PROGRESS", "User Initiated", now);
        provision(stack, 0, now);
    }

    private void provision(Stack stack, int index, long now) {
        List<String> order = stack.template.creationOrder();
        if (!stack.status.equals("CREATE_IN_PROGRESS")) {
            return;
        }
        if (index == order.size()) {
            stack.outputs = stack.template.resolveOutputs(resolver(stack));
            setStatus(stack, "CREATE_COMPLETE", null, now);
            return;
        }
        String logicalId = order.get(index);
        String type = stack.template.resourceType(logicalId);
        event(stack, logicalId, "", type, "CREATE_IN_PROGRESS", null, now);
        long done = now + createMillis(type);
        Optional<String> injected = context.faults().stackRollback().filter(r -> index == order.size() - 1);
        if (injected.isPresent()) {
            context.timeline().at(done, at -> failResource(stack, logicalId, type, injected.get(), at));
            return;
        }
        StackResource resource;
        try {
            resource = createResource(stack, logicalId, type, now);
        } catch (AwsException | TemplateException e) {
            String reason = e instanceof AwsException aws ? aws.getMessage() + " (Service: Ec2, Status Code: "
                    + aws.httpStatus() + ", Error Code: " + aws.code() + ")" : e.getMessage();
            context.timeline().at(now + DEFAULT_RESOURCE_MILLIS, at -> failResource(stack, logicalId, type, reason, at));
            return;
        }
        stack.resources.put(logicalId, resource);
        event(stack, logicalId, resource.physicalId(), type, "CREATE_IN_PROGRESS", "Resource creation Initiated", now);
        context.timeline().at(done, at -> {
            if (stack.status.equals("CREATE_IN_PROGRESS")) {
                stack.resources.put(logicalId, resource.withStatus("CREATE_COMPLETE", Instant.ofEpochMilli(at)));
                event(stack, logicalId, resource.physicalId(), type, "CREATE_COMPLETE", null, at);
                provision(stack, index + 1, at);
            }
        });
    }

    private void failResource(Stack stack, String logicalId, String type, String reason, long now) {
        event(stack, logicalId, "", type, "CREATE_FAILED", reason, now);
        setStatus(stack, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [" + logicalId
                + "]. Rollback requested by user.", now);
        deleteResources(stack, now, at -> setStatus(stack, "ROLLBACK_COMPLETE", null, at));
    }

    // ---- delete ----

    public void deleteStack(String nameOrId, long now) {
        Optional<Stack> found = find(nameOrId);
        if (found.isEmpty() || found.get().isDeleted() || found.get().status.equals("DELETE_IN_PROGRESS")) {
            return;
        }
        Stack stack = found.get();
        setStatus(stack, "DELETE_IN_PROGRESS", "User Initiated", now);
        deleteResources(stack, now, at -> {
            stack.deleted = Instant.ofEpochMilli(at);
            setStatus(stack, "DELETE_COMPLETE", null, at);
        });
    }

    /** Deletes resources in reverse creation order, one after another, then calls {@code done}. */
    private void deleteResources(Stack stack, long now, LongConsumer done) {
        List<StackResource> reverse = new ArrayList<>(stack.resources.values());
        Collections.reverse(reverse);
        deleteNext(stack, reverse, 0, now, done);
    }

    private void deleteNext(Stack stack, List<StackResource> reverse, int index, long now,
                            LongConsumer done) {
        if (index == reverse.size()) {
            done.accept(now);
            return;
        }
        StackResource resource = reverse.get(index);
        event(stack, resource.logicalId(), resource.physicalId(), resource.type(), "DELETE_IN_PROGRESS", null, now);
        deletePhysical(resource, now);
        context.timeline().at(now + deleteMillis(resource.type()), at -> {
            stack.resources.remove(resource.logicalId());
            event(stack, resource.logicalId(), resource.physicalId(), resource.type(), "DELETE_COMPLETE", null, at);
            deleteNext(stack, reverse, index + 1, at, done);
        });
    }

    private void deletePhysical(StackResource resource, long now) {
        switch (resource.type()) {
            case "AWS::EC2::Instance" -> ec2.findInstance(resource.physicalId())
                    .ifPresent(i -> ec2.terminate(List.of(i.instanceId()), now));
            case "AWS::EC2::LaunchTemplate" -> ec2.launchTemplates().stream()
                    .filter(t -> t.id().equals(resource.physicalId())).findFirst()
                    .ifPresent(t -> ec2.deleteLaunchTemplate(t.id()));
            default -> { } // IAM and unmodelled resources only exist inside the stack.
        }
    }

    // ---- change sets ----

    public ChangeSet createChangeSet(String stackName, String changeSetName, String type, String templateBody,
                                     Map<String, String> parameters, Map<String, String> tags, long now) {
        Stack stack;
        if (type.equals("CREATE")) {
            if (find(stackName).isPresent()) {
                throw new AwsException("AlreadyExistsException", "Stack [" + stackName + "] already exists");
            }
            stack = newStack(stackName, null, tags, now);
            bind(stack, templateBody, parameters);
            stacks.add(stack);
            setStatus(stack, "REVIEW_IN_PROGRESS", "User Initiated", now);
        } else {
            stack = stack(stackName);
            Template.parse(templateBody);
        }
        boolean unchanged = type.equals("UPDATE") && templateBody.equals(stack.templateBody)
                && parameters.equals(stack.requestedParameters);
        List<String> added = type.equals("CREATE") ? stack.template.creationOrder() : List.of();
        ChangeSet changeSet = new ChangeSet(stack.id.replace(":stack/", ":changeSet/").replaceFirst("/[^/]+/",
                "/" + changeSetName + "/"), changeSetName, stack.id, stack.name, type, templateBody, parameters,
                Instant.ofEpochMilli(now), unchanged ? "FAILED" : "CREATE_COMPLETE",
                unchanged ? "The submitted information didn't contain changes. Submit different information to "
                        + "create a change set." : null, added);
        stack.changeSets.put(changeSetName, changeSet);
        return changeSet;
    }

    public ChangeSet changeSet(String stackName, String nameOrId) {
        for (Stack stack : stacks) {
            for (ChangeSet changeSet : stack.changeSets.values()) {
                if (changeSet.id().equals(nameOrId)
                        || (changeSet.name().equals(nameOrId) && (stack.name.equals(stackName) || stack.id.equals(stackName)))) {
                    return changeSet;
                }
            }
        }
        throw new AwsException("ChangeSetNotFound", "ChangeSet [" + nameOrId + "] does not exist");
    }

    public void executeChangeSet(String stackName, String nameOrId, long now) {
        ChangeSet changeSet = changeSet(stackName, nameOrId);
        if (!changeSet.executionStatus().equals("AVAILABLE")) {
            throw new AwsException("InvalidChangeSetStatus", "ChangeSet [" + changeSet.id()
                    + "] cannot be executed in its current status of [" + changeSet.status() + "]");
        }
        Stack stack = stack(changeSet.stackId());
        stack.changeSets.clear();
        if (changeSet.type().equals("CREATE")) {
            startCreate(stack, now);
        } else {
            // Updates rebind parameters and outputs; resources are not replaced.
            bind(stack, changeSet.templateBody(), changeSet.parameters());
            setStatus(stack, "UPDATE_IN_PROGRESS", "User Initiated", now);
            context.timeline().at(now + UPDATE_MILLIS, at -> {
                stack.outputs = stack.template.resolveOutputs(resolver(stack));
                stack.lastUpdated = Instant.ofEpochMilli(at);
                setStatus(stack, "UPDATE_COMPLETE", null, at);
            });
        }
    }

    public void deleteChangeSet(String stackName, String nameOrId) {
        ChangeSet changeSet = changeSet(stackName, nameOrId);
        stack(changeSet.stackId()).changeSets.remove(changeSet.name());
    }

    // ---- resources ----

    private StackResource createResource(Stack stack, String logicalId, String type, long now) {
        ResourceProperties properties = new ResourceProperties(
                stack.template.resolveProperties(logicalId, resolver(stack)));
        String generatedName = physicalName(stack, logicalId);
        Map<String, String> attributes = new LinkedHashMap<>();
        String physicalId;
        switch (type) {
            case "AWS::IAM::Role" -> {
                physicalId = Optional.ofNullable(properties.string("RoleName")).orElse(generatedName);
                attributes.put("Arn", "arn:aws:iam::" + context.accountId() + ":role/" + physicalId);
                attributes.put("RoleId", context.ids().next("AROA", 17).replace("-", "").toUpperCase());
            }
            case "AWS::IAM::InstanceProfile" -> {
                physicalId = Optional.ofNullable(properties.string("InstanceProfileName")).orElse(generatedName);
                attributes.put("Arn", "arn:aws:iam::" + context.accountId() + ":instance-profile/" + physicalId);
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
        return new StackResource(logicalId, type, physicalId, attributes, "CREATE_IN_PROGRESS",
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
                    ebs.string("KmsKeyId"), ebs.bool("DeleteOnTermination", true)));
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (ResourceProperties spec : template.list("TagSpecifications")) {
            if ("instance".equals(spec.string("ResourceType"))) {
                spec.list("Tags").forEach(t -> tags.put(t.string("Key"), t.string("Value")));
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
                profileArn, subnet, devices, tags);
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

    private ResourceResolver resolver(Stack stack) {
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

    // ---- status and events ----

    private void setStatus(Stack stack, String status, String reason, long now) {
        stack.status = status;
        stack.statusReason = reason;
        event(stack, stack.name, stack.id, "AWS::CloudFormation::Stack", status, reason, now);
    }

    private void event(Stack stack, String logicalId, String physicalId, String type, String status, String reason,
                       long now) {
        stack.events.add(new StackEvent(context.ids().uuid(), logicalId, physicalId, type, Instant.ofEpochMilli(now),
                status, reason));
    }
}
