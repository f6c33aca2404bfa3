package dev.precache.simulator.ssm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.precache.simulator.AwsException;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.ec2.InstanceState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The SSM JSON 1.1 protocol ({@code X-Amz-Target: AmazonSSM.<Operation>}). */
public final class SsmResponses {
    static final int STDOUT_LIMIT = 24_000;
    static final int STDERR_LIMIT = 8_000;
    static final int PLUGIN_OUTPUT_LIMIT = 2_500;

    private final SsmModel model;
    private final String region;
    private final String accountId;
    private final ObjectMapper json = new ObjectMapper();

    public SsmResponses(SsmModel model, String region, String accountId) {
        this.model = model;
        this.region = region;
        this.accountId = accountId;
    }

    public ObjectNode handle(String operation, JsonNode request, long now) {
        ObjectNode out = json.createObjectNode();
        switch (operation) {
            case "DescribeInstanceInformation" -> describeInstanceInformation(request, out, now);
            case "SendCommand" -> sendCommand(request, out, now);
            case "GetCommandInvocation" -> getCommandInvocation(request, out, now);
            case "ListCommandInvocations" -> listCommandInvocations(request, out, now);
            case "ListCommands" -> listCommands(request, out, now);
            case "CancelCommand" -> model.cancelCommand(request.path("CommandId").asText(),
                    strings(request.path("InstanceIds")), now);
            case "PutParameter" -> {
                long version = model.putParameter(request.path("Name").asText(),
                        request.path("Type").asText("String"), request.path("Value").asText(),
                        request.path("Overwrite").asBoolean(false), text(request, "Description"),
                        text(request, "KeyId"), tags(request.path("Tags")), now);
                out.put("Version", version).put("Tier", "Standard");
            }
            case "GetParameter" -> writeParameter(out.putObject("Parameter"),
                    model.parameter(request.path("Name").asText()), request.path("WithDecryption").asBoolean());
            case "GetParameters" -> getParameters(request, out);
            case "GetParametersByPath" -> {
                ArrayNode list = out.putArray("Parameters");
                for (Parameter p : model.parametersByPath(request.path("Path").asText(),
                        request.path("Recursive").asBoolean(false))) {
                    writeParameter(list.addObject(), p, request.path("WithDecryption").asBoolean());
                }
            }
            case "DeleteParameter" -> model.deleteParameter(request.path("Name").asText());
            case "AddTagsToResource" -> {
                if (!request.path("ResourceType").asText().equals("Parameter")) {
                    throw new AwsException("InvalidResourceType", "The resource type is not simulated: "
                            + request.path("ResourceType").asText());
                }
                model.addTags(request.path("ResourceId").asText(), tags(request.path("Tags")));
            }
            case "DeleteParameters" -> deleteParameters(request, out);
            case "DescribeParameters" -> {
                ArrayNode list = out.putArray("Parameters");
                for (Parameter p : model.storedParameters()) {
                    list.addObject().put("Name", p.name()).put("Type", p.type()).put("Version", p.version())
                            .put("LastModifiedDate", seconds(p.lastModified())).put("Tier", "Standard")
                            .put("DataType", "text");
                }
            }
            default -> throw new AwsException("InvalidAction", "Unknown operation " + operation);
        }
        return out;
    }

    // ---- instances ----

    private void describeInstanceInformation(JsonNode request, ObjectNode out, long now) {
        List<String> wanted = new ArrayList<>();
        for (JsonNode filter : request.path("InstanceInformationFilterList")) {
            if (filter.path("key").asText().equals("InstanceIds")) {
                wanted.addAll(strings(filter.path("valueSet")));
            }
        }
        for (JsonNode filter : request.path("Filters")) {
            if (filter.path("Key").asText().equals("InstanceIds")) {
                wanted.addAll(strings(filter.path("Values")));
            }
        }
        ArrayNode list = out.putArray("InstanceInformationList");
        for (Instance instance : model.ec2().allInstances()) {
            boolean known = instance.agentRegistered() && instance.state() != InstanceState.TERMINATED;
            if (!known || (!wanted.isEmpty() && !wanted.contains(instance.instanceId()))) {
                continue;
            }
            long lastPing = instance.agentOnline() ? now : instance.agentLastPingMillis();
            list.addObject()
                    .put("InstanceId", instance.instanceId())
                    .put("PingStatus", instance.agentOnline() ? "Online" : "ConnectionLost")
                    .put("LastPingDateTime", seconds(Instant.ofEpochMilli(lastPing)))
                    .put("AgentVersion", "3.3.1345.0")
                    .put("IsLatestVersion", false)
                    .put("PlatformType", "Linux")
                    .put("PlatformName", "Bottlerocket")
                    .put("PlatformVersion", "1.30.0")
                    .put("ResourceType", "EC2Instance")
                    .put("IPAddress", instance.privateIp())
                    .put("ComputerName", "localhost")
                    .put("AssociationStatus", "Success");
        }
    }

    // ---- Run Command ----

    private void sendCommand(JsonNode request, ObjectNode out, long now) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        request.path("Parameters").fields().forEachRemaining(e -> parameters.put(e.getKey(), strings(e.getValue())));
        Command command = model.sendCommand(request.path("DocumentName").asText(),
                strings(request.path("InstanceIds")), parameters, text(request, "Comment"),
                request.has("TimeoutSeconds") ? request.path("TimeoutSeconds").asInt() : null, now);
        writeCommand(out.putObject("Command"), command, now);
    }

    private void writeCommand(ObjectNode node, Command command, long now) {
        node.put("CommandId", command.id).put("DocumentName", command.documentName)
                .put("DocumentVersion", "$DEFAULT").put("Comment", command.comment)
                .put("ExpiresAfter", seconds(Instant.ofEpochMilli(command.deliveryDeadlineMillis())));
        ObjectNode parameters = node.putObject("Parameters");
        command.parameters.forEach((k, v) -> v.forEach(parameters.withArray(k)::add));
        ArrayNode ids = node.putArray("InstanceIds");
        command.invocations.keySet().forEach(ids::add);
        node.putArray("Targets");
        String status = command.status(now);
        long completed = command.invocations.values().stream().filter(i -> i.view(now).terminal()).count();
        long errors = command.invocations.values().stream()
                .filter(i -> i.view(now).terminal() && !i.view(now).status().equals("Success")).count();
        node.put("RequestedDateTime", seconds(command.requested)).put("Status", status).put("StatusDetails", status)
                .put("MaxConcurrency", "50").put("MaxErrors", "0")
                .put("TargetCount", command.invocations.size()).put("CompletedCount", completed)
                .put("ErrorCount", errors).put("DeliveryTimedOutCount", 0)
                .put("TimeoutSeconds", command.timeoutSeconds);
    }

    private void getCommandInvocation(JsonNode request, ObjectNode out, long now) {
        String commandId = request.path("CommandId").asText();
        String instanceId = request.path("InstanceId").asText();
        InvocationResult result = model.invocation(commandId, instanceId, now);
        Command command = model.command(commandId);
        out.put("CommandId", commandId).put("InstanceId", instanceId).put("Comment", command.comment)
                .put("DocumentName", command.documentName).put("DocumentVersion", "$DEFAULT")
                .put("PluginName", "aws:runShellScript").put("ResponseCode", result.responseCode())
                .put("ExecutionStartDateTime", isoOrEmpty(result.startMillis()))
                .put("ExecutionElapsedTime", elapsed(result, now))
                .put("ExecutionEndDateTime", isoOrEmpty(result.endMillis()))
                .put("Status", result.status()).put("StatusDetails", result.statusDetails())
                .put("StandardOutputContent", cap(result.stdout(), STDOUT_LIMIT)).put("StandardOutputUrl", "")
                .put("StandardErrorContent", cap(result.stderr(), STDERR_LIMIT)).put("StandardErrorUrl", "")
                .putObject("CloudWatchOutputConfig").put("CloudWatchLogGroupName", "")
                .put("CloudWatchOutputEnabled", false);
    }

    private void listCommandInvocations(JsonNode request, ObjectNode out, long now) {
        String commandId = text(request, "CommandId");
        String instanceId = text(request, "InstanceId");
        boolean details = request.path("Details").asBoolean(false);
        ArrayNode list = out.putArray("CommandInvocations");
        for (Command command : model.commands()) {
            if (commandId != null && !commandId.equals(command.id)) {
                continue;
            }
            command.invocations.forEach((id, invocation) -> {
                if (instanceId != null && !instanceId.equals(id)) {
                    return;
                }
                InvocationResult result = invocation.view(now);
                ObjectNode node = list.addObject().put("CommandId", command.id).put("InstanceId", id)
                        .put("InstanceName", "").put("Comment", command.comment)
                        .put("DocumentName", command.documentName).put("DocumentVersion", "$DEFAULT")
                        .put("RequestedDateTime", seconds(command.requested)).put("Status", result.status())
                        .put("StatusDetails", result.statusDetails()).put("TraceOutput", "")
                        .put("StandardOutputUrl", "").put("StandardErrorUrl", "");
                ArrayNode plugins = node.putArray("CommandPlugins");
                if (details) {
                    ObjectNode plugin = plugins.addObject().put("Name", "aws:runShellScript")
                            .put("Status", result.status()).put("StatusDetails", result.statusDetails())
                            .put("ResponseCode", result.responseCode())
                            .put("Output", cap(result.stdout() + result.stderr(), PLUGIN_OUTPUT_LIMIT))
                            .put("StandardOutputUrl", "").put("StandardErrorUrl", "")
                            .put("OutputS3Region", region).put("OutputS3BucketName", "").put("OutputS3KeyPrefix", "");
                    if (result.startMillis() != null) {
                        plugin.put("ResponseStartDateTime", seconds(Instant.ofEpochMilli(result.startMillis())));
                    }
                    if (result.endMillis() != null) {
                        plugin.put("ResponseFinishDateTime", seconds(Instant.ofEpochMilli(result.endMillis())));
                    }
                }
            });
        }
    }

    private void listCommands(JsonNode request, ObjectNode out, long now) {
        String commandId = text(request, "CommandId");
        String instanceId = text(request, "InstanceId");
        ArrayNode list = out.putArray("Commands");
        for (Command command : model.commands()) {
            if ((commandId == null || commandId.equals(command.id))
                    && (instanceId == null || command.invocations.containsKey(instanceId))) {
                writeCommand(list.addObject(), command, now);
            }
        }
    }

    // ---- Parameter Store ----

    private void getParameters(JsonNode request, ObjectNode out) {
        ArrayNode found = out.putArray("Parameters");
        ArrayNode invalid = out.putArray("InvalidParameters");
        for (String name : strings(request.path("Names"))) {
            model.findParameter(name).ifPresentOrElse(
                    p -> writeParameter(found.addObject(), p, request.path("WithDecryption").asBoolean()),
                    () -> invalid.add(name));
        }
    }

    private void deleteParameters(JsonNode request, ObjectNode out) {
        ArrayNode deleted = out.putArray("DeletedParameters");
        ArrayNode invalid = out.putArray("InvalidParameters");
        for (String name : strings(request.path("Names"))) {
            try {
                model.deleteParameter(name);
                deleted.add(name);
            } catch (AwsException notFound) {
                invalid.add(name);
            }
        }
    }

    private void writeParameter(ObjectNode node, Parameter parameter, boolean decrypt) {
        boolean secret = parameter.type().equals("SecureString");
        String value = secret && !decrypt
                ? Base64.getEncoder().encodeToString(("kms:" + parameter.value()).getBytes(StandardCharsets.UTF_8))
                : parameter.value();
        node.put("Name", parameter.name()).put("Type", parameter.type()).put("Value", value)
                .put("Version", parameter.version()).put("LastModifiedDate", seconds(parameter.lastModified()))
                .put("ARN", "arn:aws:ssm:" + region + ":" + accountId + ":parameter/"
                        + parameter.name().replaceFirst("^/", ""))
                .put("DataType", "text");
    }

    // ---- wire helpers ----

    private static Map<String, String> tags(JsonNode array) {
        Map<String, String> tags = new LinkedHashMap<>();
        array.forEach(tag -> tags.put(tag.path("Key").asText(), tag.path("Value").asText()));
        return tags;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static String text(JsonNode request, String field) {
        return request.hasNonNull(field) ? request.get(field).asText() : null;
    }

    /** JSON protocols carry timestamps as epoch seconds. */
    private static double seconds(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }

    private static String isoOrEmpty(Long millis) {
        return millis == null ? "" : Instant.ofEpochMilli(millis).toString();
    }

    private static String elapsed(InvocationResult result, long now) {
        if (result.startMillis() == null) {
            return "";
        }
        long end = result.endMillis() == null ? now : result.endMillis();
        return java.time.Duration.ofMillis(end - result.startMillis()).toString();
    }

    private static String cap(String text, int limit) {
        return text == null ? "" : text.length() <= limit ? text : text.substring(0, limit);
    }
}
