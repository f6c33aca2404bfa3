package dev.precache.simulator.cloudformation;

import dev.precache.simulator.AwsException;
import dev.precache.simulator.RegionContext;
import dev.precache.simulator.cloudformation.template.BoundTemplate;
import dev.precache.simulator.cloudformation.template.PseudoParameters;
import dev.precache.simulator.cloudformation.template.Template;
import dev.precache.simulator.cloudformation.template.TemplateException;
import dev.precache.simulator.ec2.Ec2Model;
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
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * CloudFormation state of one region. Resources are provisioned one after another in the template's
 * creation order, each taking a type-specific time, with an event at each step.
 */
public final class CloudFormationModel {
    /**
     * A build stack (role, new instance profile, launch template, instance) takes 3 min 10 s in all: FIGURES.md
     * records 3 min 14 s (ai-on-eks preload-container-images.md), 3 min 13 s (bottlerocket-images-cache#4) and
     * 3 min 10 s (bottlerocket#4435), the instance profile's IAM propagation being most of it. The split between
     * resources is the simulator's estimate; only the total is observed.
     */
    private static final Map<String, Long> CREATE_MILLIS = Map.of(
            "AWS::IAM::Role", 15_000L,
            "AWS::IAM::InstanceProfile", 135_000L,
            "AWS::EC2::LaunchTemplate", 5_000L,
            "AWS::EC2::Instance", 35_000L);
    private static final Map<String, Long> DELETE_MILLIS = Map.of(
            "AWS::IAM::InstanceProfile", 20_000L,
            "AWS::EC2::Instance", 35_000L);
    /** Estimates, no public measurement: any other resource, and an update of a stack's resources. */
    private static final long DEFAULT_RESOURCE_MILLIS = 5_000;
    private static final long UPDATE_MILLIS = 10_000;
    private static final Set<String> UPDATABLE = Set.of("CREATE_COMPLETE", "UPDATE_COMPLETE",
            "UPDATE_ROLLBACK_COMPLETE");

    private final RegionContext context;
    private final SsmModel ssm;
    private final ResourceProvisioner provisioner;
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
        this.ssm = ssm;
        this.provisioner = new ResourceProvisioner(context, ec2);
    }

    // ---- lookup ----

    /** A live stack by name, or any stack (deleted included) by its ID. */
    public Stack stack(String nameOrId) {
        return find(nameOrId).orElseThrow(() -> new AwsException("ValidationError",
                "Stack with id " + nameOrId + " does not exist"));
    }

    /** A copy of the tags of the live stack of this name, or of any stack by its ID, if there is one. */
    public Optional<Map<String, String>> stackTags(String nameOrId) {
        return find(nameOrId).map(stack -> Map.copyOf(stack.tags()));
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

    public Stack createStack(String name, String templateBody, GivenParameters parameters, List<String> capabilities,
                             String token, Map<String, String> tags, long now) {
        Optional<Stack> existing = find(name);
        if (existing.isPresent()) {
            if (token != null && token.equals(existing.get().clientRequestToken)) {
                return existing.get();
            }
            throw new AwsException("AlreadyExistsException", "Stack [" + name + "] already exists");
        }
        Stack stack = newStack(name, token, tags, now);
        adopt(stack, templateBody, bind(stack, templateBody, parameters.forCreate(), capabilities), capabilities);
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

    /** The template as ValidateTemplate and GetTemplateSummary read it. */
    public Template template(String templateBody) {
        try {
            return Template.parse(templateBody);
        } catch (TemplateException e) {
            throw new AwsException("ValidationError", e.getMessage());
        }
    }

    /** The template of a stack's last create or update. */
    public Template stackTemplate(String nameOrId) {
        return template(stack(nameOrId).templateBody);
    }

    /** Binds the template for this stack, checking parameters and that the capabilities it needs were given. */
    private BoundTemplate bind(Stack stack, String templateBody, Map<String, String> parameters,
                               List<String> capabilities) {
        Template template = template(templateBody);
        template.requiredCapability().filter(required -> !capabilities.contains(required)
                        && !(required.equals("CAPABILITY_IAM") && capabilities.contains("CAPABILITY_NAMED_IAM")))
                .ifPresent(required -> {
                    throw new AwsException("InsufficientCapabilitiesException",
                            "Requires capabilities : [" + required + "]");
                });
        try {
            return template.bind(parameters,
                    new PseudoParameters(context.region(), context.accountId(), stack.name, stack.id),
                    name -> ssm.findParameter(name).map(Parameter::value));
        } catch (TemplateException e) {
            throw new AwsException("ValidationError", e.getMessage());
        }
    }

    private static void adopt(Stack stack, String templateBody, BoundTemplate template, List<String> capabilities) {
        stack.templateBody = templateBody;
        stack.template = template;
        stack.capabilities = capabilities;
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
            stack.outputs = stack.template.resolveOutputs(provisioner.resolver(stack));
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
            resource = provisioner.create(stack, logicalId, type,
                    stack.template.resolveProperties(logicalId, provisioner.resolver(stack)), now);
        } catch (AwsException | TemplateException e) {
            String reason = reason(e);
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

    private static String reason(RuntimeException e) {
        return e instanceof AwsException aws ? aws.getMessage() + " (Service: Ec2, Status Code: "
                + aws.httpStatus() + ", Error Code: " + aws.code() + ")" : e.getMessage();
    }

    private void failResource(Stack stack, String logicalId, String type, String reason, long now) {
        event(stack, logicalId, "", type, "CREATE_FAILED", reason, now);
        setStatus(stack, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [" + logicalId
                + "]. Rollback requested by user.", now);
        deleteResources(stack, List.copyOf(stack.resources.values()), now,
                at -> setStatus(stack, "ROLLBACK_COMPLETE", null, at));
    }

    // ---- delete ----

    public void deleteStack(String nameOrId, long now) {
        Optional<Stack> found = find(nameOrId);
        if (found.isEmpty() || found.get().isDeleted() || found.get().status.equals("DELETE_IN_PROGRESS")) {
            return;
        }
        Stack stack = found.get();
        setStatus(stack, "DELETE_IN_PROGRESS", "User Initiated", now);
        deleteResources(stack, List.copyOf(stack.resources.values()), now, at -> {
            stack.deleted = Instant.ofEpochMilli(at);
            setStatus(stack, "DELETE_COMPLETE", null, at);
        });
    }

    /** Deletes these resources in reverse creation order, one after another, then calls {@code done}. */
    private void deleteResources(Stack stack, List<StackResource> resources, long now, LongConsumer done) {
        List<StackResource> reverse = new ArrayList<>(resources);
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
        provisioner.delete(resource, now);
        context.timeline().at(now + deleteMillis(resource.type()), at -> {
            // A replaced resource's logical ID already names its successor, which stays.
            stack.resources.computeIfPresent(resource.logicalId(),
                    (id, held) -> held.physicalId().equals(resource.physicalId()) ? null : held);
            event(stack, resource.logicalId(), resource.physicalId(), resource.type(), "DELETE_COMPLETE", null, at);
            deleteNext(stack, reverse, index + 1, at, done);
        });
    }

    // ---- change sets ----

    public ChangeSet createChangeSet(String stackName, String changeSetName, String type, String templateBody,
                                     GivenParameters parameters, List<String> capabilities, Map<String, String> tags,
                                     long now) {
        Stack stack;
        BoundTemplate next;
        List<ChangeSet.ResourceChange> changes;
        boolean unchanged = false;
        if (type.equals("CREATE")) {
            // A stack that only ever had CREATE change sets is still under review: another one may replace them.
            Optional<Stack> reviewed = find(stackName);
            if (reviewed.isPresent() && !reviewed.get().status.equals("REVIEW_IN_PROGRESS")) {
                throw new AwsException("AlreadyExistsException", "Stack [" + stackName + "] already exists");
            }
            stack = reviewed.orElseGet(() -> newStack(stackName, null, tags, now));
            next = bind(stack, templateBody, parameters.forCreate(), capabilities);
            adopt(stack, templateBody, next, capabilities);
            if (reviewed.isEmpty()) {
                stacks.add(stack);
                setStatus(stack, "REVIEW_IN_PROGRESS", "User Initiated", now);
            }
            changes = next.creationOrder().stream()
                    .map(id -> new ChangeSet.ResourceChange("Add", id, null, next.resourceType(id), null)).toList();
        } else {
            stack = stack(stackName);
            if (!UPDATABLE.contains(stack.status)) {
                throw new AwsException("ValidationError", "Stack:" + stack.id + " is in " + stack.status
                        + " state and can not be updated.");
            }
            next = bind(stack, templateBody, parameters.forUpdate(stack.template.resolvedParameters()), capabilities);
            unchanged = templateBody.equals(stack.templateBody)
                    && next.resolvedParameters().equals(stack.template.resolvedParameters());
            changes = provisioner.plan(stack, next);
        }
        ChangeSet changeSet = new ChangeSet(stack.id.replace(":stack/", ":changeSet/").replaceFirst("/[^/]+/",
                "/" + changeSetName + "/"), changeSetName, stack.id, stack.name, type, templateBody,
                next.resolvedParameters(), capabilities, Instant.ofEpochMilli(now),
                unchanged ? "FAILED" : "CREATE_COMPLETE",
                unchanged ? "The submitted information didn't contain changes. Submit different information to "
                        + "create a change set." : null, unchanged ? List.of() : changes);
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
            startUpdate(stack, changeSet.templateBody(), changeSet.parameters(), changeSet.capabilities(), now);
        }
    }

    /**
     * UpdateStack: a change set made and executed in one call. Tags replace the stack's when given (AWS keeps
     * them when the request has none); a request that changes nothing is refused, as AWS does.
     */
    public Stack updateStack(String nameOrId, String templateBody, GivenParameters parameters,
                             List<String> capabilities, Map<String, String> tags, long now) {
        Stack stack = stack(nameOrId);
        if (!UPDATABLE.contains(stack.status)) {
            throw new AwsException("ValidationError", "Stack:" + stack.id + " is in " + stack.status
                    + " state and can not be updated.");
        }
        Map<String, String> values = parameters.forUpdate(stack.template.resolvedParameters());
        BoundTemplate next = bind(stack, templateBody, values, capabilities);
        boolean tagsChange = !tags.isEmpty() && !tags.equals(stack.tags);
        if (templateBody.equals(stack.templateBody) && next.resolvedParameters().equals(
                stack.template.resolvedParameters()) && !tagsChange) {
            throw new AwsException("ValidationError", "No updates are to be performed.");
        }
        if (!tags.isEmpty()) {
            stack.tags = tags;
        }
        startUpdate(stack, templateBody, values, capabilities, now);
        return stack;
    }

    // ---- update ----

    /** What an update started from, to roll back to, and what it created and superseded on the way. */
    private record UpdateRun(String previousBody, BoundTemplate previousTemplate, List<String> previousCapabilities,
                             Map<String, StackResource> previousResources, List<StackResource> created,
                             List<StackResource> superseded) {}

    private void startUpdate(Stack stack, String templateBody, Map<String, String> parameters,
                             List<String> capabilities, long now) {
        UpdateRun run = new UpdateRun(stack.templateBody, stack.template, stack.capabilities,
                new LinkedHashMap<>(stack.resources), new ArrayList<>(), new ArrayList<>());
        adopt(stack, templateBody, bind(stack, templateBody, parameters, capabilities), capabilities);
        setStatus(stack, "UPDATE_IN_PROGRESS", "User Initiated", now);
        updateNext(stack, run, 0, now);
    }

    /**
     * Updates resources in creation order: a new one is created; one whose properties now evaluate differently
     * is updated in place, or replaced by a new physical resource (the old one goes at cleanup) when a property
     * that needs replacement changed; the rest are left alone.
     */
    private void updateNext(Stack stack, UpdateRun run, int index, long now) {
        List<String> order = stack.template.creationOrder();
        if (index == order.size()) {
            finishUpdate(stack, run, now);
            return;
        }
        String logicalId = order.get(index);
        String type = stack.template.resourceType(logicalId);
        StackResource current = stack.resources.get(logicalId);
        StackResource next;
        boolean replaced;
        try {
            Map<String, Object> properties = stack.template.resolveProperties(logicalId, provisioner.resolver(stack));
            if (current != null && current.properties().equals(properties)) {
                updateNext(stack, run, index + 1, now);
                return;
            }
            replaced = current == null || ResourceProvisioner.requiresReplacement(current, properties);
            if (current == null) {
                event(stack, logicalId, "", type, "CREATE_IN_PROGRESS", null, now);
            } else {
                event(stack, logicalId, current.physicalId(), type, "UPDATE_IN_PROGRESS", replaced
                        ? "Requested update requires the creation of a new physical resource; hence creating one."
                        : null, now);
            }
            next = replaced ? provisioner.create(stack, logicalId, type, properties, now)
                    : provisioner.updateInPlace(current, properties, now);
        } catch (AwsException | TemplateException e) {
            failUpdate(stack, run, logicalId, type, reason(e), now);
            return;
        }
        if (replaced) {
            run.created().add(next);
            if (current != null) {
                run.superseded().add(current);
            }
        }
        stack.resources.put(logicalId, next);
        String completed = current == null ? "CREATE_COMPLETE" : "UPDATE_COMPLETE";
        long done = now + (replaced ? createMillis(type) : UPDATE_MILLIS);
        context.timeline().at(done, at -> {
            if (stack.status.equals("UPDATE_IN_PROGRESS")) {
                stack.resources.put(logicalId, next.withStatus(completed, Instant.ofEpochMilli(at)));
                event(stack, logicalId, next.physicalId(), type, completed, null, at);
                updateNext(stack, run, index + 1, at);
            }
        });
    }

    private void finishUpdate(Stack stack, UpdateRun run, long now) {
        stack.outputs = stack.template.resolveOutputs(provisioner.resolver(stack));
        stack.lastUpdated = Instant.ofEpochMilli(now);
        List<StackResource> obsolete = new ArrayList<>(run.superseded());
        run.previousResources().values().stream()
                .filter(resource -> !stack.template.creationOrder().contains(resource.logicalId()))
                .forEach(obsolete::add);
        if (obsolete.isEmpty()) {
            setStatus(stack, "UPDATE_COMPLETE", null, now);
            return;
        }
        setStatus(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", null, now);
        deleteResources(stack, obsolete, now, at -> setStatus(stack, "UPDATE_COMPLETE", null, at));
    }

    /** Back to the previous template and resources; what the update created goes. In-place changes stay. */
    private void failUpdate(Stack stack, UpdateRun run, String logicalId, String type, String reason, long now) {
        event(stack, logicalId, "", type, "UPDATE_FAILED", reason, now);
        setStatus(stack, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: ["
                + logicalId + "].", now);
        adopt(stack, run.previousBody(), run.previousTemplate(), run.previousCapabilities());
        stack.resources.clear();
        stack.resources.putAll(run.previousResources());
        deleteResources(stack, run.created(), now, at -> setStatus(stack, "UPDATE_ROLLBACK_COMPLETE", null, at));
    }

    public void deleteChangeSet(String stackName, String nameOrId) {
        ChangeSet changeSet = changeSet(stackName, nameOrId);
        stack(changeSet.stackId()).changeSets.remove(changeSet.name());
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
