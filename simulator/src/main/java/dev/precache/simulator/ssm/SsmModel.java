package dev.precache.simulator.ssm;

import dev.precache.simulator.AwsException;
import dev.precache.simulator.RegionContext;
import dev.precache.simulator.ec2.BottlerocketImages;
import dev.precache.simulator.ec2.Ec2Model;
import dev.precache.simulator.ec2.Instance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** SSM state of one region: Parameter Store (with AWS's public Bottlerocket parameters) and Run Command. */
public final class SsmModel {
    private static final Pattern SSM_REFERENCE = Pattern.compile("\\{\\{\\s*ssm:([^}\\s]+)\\s*}}");
    /**
     * From SendCommand to the script starting on the instance: an estimate, inside one observation of 2 s for each
     * of stop kubelet and remove images, delivery included (FIGURES.md). Public for the benchmarks' lower bound.
     */
    public static final long DELIVERY_LATENCY_MILLIS = 1_000;
    /** How soon a command the agent could not take is offered again: SSM documents no period; an estimate. */
    private static final long DELIVERY_RETRY_MILLIS = 5_000;
    static final int DEFAULT_EXECUTION_TIMEOUT_SECONDS = 3600;
    private static final int DEFAULT_DELIVERY_TIMEOUT_SECONDS = 3600;

    private final RegionContext context;
    private final Ec2Model ec2;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> parameterTags = new LinkedHashMap<>();
    private final Map<String, Command> commands = new LinkedHashMap<>();

    public SsmModel(RegionContext context, Ec2Model ec2) {
        this.context = context;
        this.ec2 = ec2;
    }

    // ---- Parameter Store ----

    /**
     * @param keyId a SecureString's KMS key, null for {@link Parameter#DEFAULT_KEY}
     * @param tags  only when creating: PutParameter refuses tags with Overwrite, as AWS does
     */
    public long putParameter(String name, String type, String value, boolean overwrite, String description,
                             String keyId, Map<String, String> tags, long now) {
        if (name.startsWith("/aws/")) {
            throw new AwsException("AccessDeniedException", "No access to reserved parameter name: " + name + ".");
        }
        if (overwrite && !tags.isEmpty()) {
            throw new AwsException("ValidationException", "Invalid request: tags and overwrite can't be used together. "
                    + "To create a parameter with tags, please remove overwrite flag. To update tags for an existing "
                    + "parameter, please use AddTagsToResource or RemoveTagsFromResource.");
        }
        if (keyId != null && !type.equals("SecureString")) {
            throw new AwsException("ValidationException", "KeyId is required for SecureString type parameter only.");
        }
        Parameter existing = parameters.get(name);
        if (existing != null && !overwrite) {
            throw new AwsException("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, "
                    + "set the overwrite option in the request to true.");
        }
        long version = existing == null ? 1 : existing.version() + 1;
        parameters.put(name, new Parameter(name, type, value, version, Instant.ofEpochMilli(now),
                description == null && existing != null ? existing.description() : description,
                type.equals("SecureString") ? (keyId == null ? Parameter.DEFAULT_KEY : keyId) : null));
        if (!tags.isEmpty()) {
            addTags(name, tags);
        }
        return version;
    }

    /** AddTagsToResource of a parameter: keys already there take the new values. */
    public void addTags(String name, Map<String, String> tags) {
        parameter(name);
        parameterTags.computeIfAbsent(name, n -> new LinkedHashMap<>()).putAll(tags);
    }

    public Map<String, String> tagsOf(String name) {
        return Map.copyOf(parameterTags.getOrDefault(name, Map.of()));
    }

    public Optional<Parameter> findParameter(String name) {
        Parameter stored = parameters.get(name);
        if (stored != null) {
            return Optional.of(stored);
        }
        return ec2.images().byParameter(name)
                .map(image -> new Parameter(name, "String", image.imageId(), 1, Instant.EPOCH, null, null));
    }

    public Parameter parameter(String name) {
        return findParameter(name).orElseThrow(() -> new AwsException("ParameterNotFound", "Parameter " + name
                + " not found."));
    }

    public List<Parameter> parametersByPath(String path, boolean recursive) {
        String prefix = path.endsWith("/") ? path : path + "/";
        List<Parameter> all = new ArrayList<>(parameters.values());
        for (BottlerocketImages.Image image : ec2.images().all()) {
            all.add(findParameter(image.parameterName()).orElseThrow());
        }
        return all.stream()
                .filter(p -> p.name().startsWith(prefix))
                .filter(p -> recursive || p.name().indexOf('/', prefix.length()) < 0)
                .toList();
    }

    public void deleteParameter(String name) {
        if (parameters.remove(name) == null) {
            throw new AwsException("ParameterNotFound", "Parameter " + name + " not found.");
        }
        parameterTags.remove(name);
    }

    public Collection<Parameter> storedParameters() {
        return parameters.values();
    }

    // ---- Run Command ----

    public Command sendCommand(String documentName, List<String> instanceIds, Map<String, List<String>> sentParameters,
                               String comment, Integer timeoutSeconds, long now) {
        if (!documentName.equals("AWS-RunShellScript")) {
            throw new AwsException("InvalidDocument", "Document " + documentName + " does not exist.");
        }
        List<String> lines = sentParameters.getOrDefault("commands", List.of());
        if (lines.isEmpty()) {
            throw new AwsException("InvalidParameters", "Parameter \"commands\" is required.");
        }
        List<Instance> targets = new ArrayList<>();
        for (String instanceId : instanceIds) {
            Instance instance = ec2.findInstance(instanceId).filter(Instance::agentRegistered)
                    .orElseThrow(() -> new AwsException("InvalidInstanceId", "Instances [[" + instanceId
                            + "]] not in a valid state for account " + context.accountId()));
            targets.add(instance);
        }
        String script = resolveReferences(String.join("\n", lines));
        int executionTimeout = sentParameters.getOrDefault("executionTimeout", List.of()).stream().findFirst()
                .map(Integer::parseInt).orElse(DEFAULT_EXECUTION_TIMEOUT_SECONDS);
        Command command = new Command(context.ids().uuid(), documentName, comment == null ? "" : comment,
                sentParameters, Instant.ofEpochMilli(now),
                timeoutSeconds == null ? DEFAULT_DELIVERY_TIMEOUT_SECONDS : timeoutSeconds, executionTimeout);
        for (Instance target : targets) {
            Invocation invocation = new Invocation(command, target, script);
            command.invocations.put(target.instanceId(), invocation);
            scheduleDelivery(invocation, now + DELIVERY_LATENCY_MILLIS);
        }
        commands.put(command.id, command);
        return command;
    }

    private void scheduleDelivery(Invocation invocation, long at) {
        context.timeline().at(at, now -> {
            if (context.faults().commandHeld(invocation.command.comment) || !invocation.tryDeliver(now)) {
                scheduleDelivery(invocation, now + DELIVERY_RETRY_MILLIS);
            }
        });
    }

    /** Replaces {@code {{ssm:/name}}} with the parameter's value, as the SSM service does before delivery. */
    private String resolveReferences(String text) {
        Matcher matcher = SSM_REFERENCE.matcher(text);
        StringBuilder resolved = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1);
            Parameter parameter = findParameter(name).orElseThrow(() -> new AwsException("InvalidParameters",
                    "Parameter " + name + " referenced in the command was not found."));
            matcher.appendReplacement(resolved, Matcher.quoteReplacement(parameter.value()));
        }
        matcher.appendTail(resolved);
        return resolved.toString();
    }

    public Command command(String commandId) {
        Command command = commands.get(commandId);
        if (command == null) {
            throw new AwsException("InvalidCommandId", "Command " + commandId + " not found.");
        }
        return command;
    }

    public Collection<Command> commands() {
        return commands.values();
    }

    InvocationResult invocation(String commandId, String instanceId, long now) {
        Command command = commands.get(commandId);
        Invocation invocation = command == null ? null : command.invocations.get(instanceId);
        if (invocation == null) {
            throw new AwsException("InvocationDoesNotExist", null);
        }
        return invocation.view(now);
    }

    public void cancelCommand(String commandId, List<String> instanceIds, long now) {
        Command command = command(commandId);
        command.invocations.forEach((instanceId, invocation) -> {
            if (instanceIds.isEmpty() || instanceIds.contains(instanceId)) {
                invocation.cancel(now);
            }
        });
    }

    public Ec2Model ec2() {
        return ec2;
    }
}
