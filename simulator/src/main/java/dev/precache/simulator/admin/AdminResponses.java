package dev.precache.simulator.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.Region;
import dev.precache.simulator.cloudformation.Stack;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.simulator.ec2.Volume;
import dev.precache.simulator.fault.FaultConfig;
import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.protocol.Reply;
import dev.precache.simulator.ssm.Command;
import dev.precache.simulator.ssm.Parameter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** The simulator's own endpoints under {@code /_sim/}: health, state inspection, reset, faults, registries. */
public final class AdminResponses {
    private final Cloud cloud;
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    public AdminResponses(Cloud cloud) {
        this.cloud = cloud;
    }

    public Reply handle(String method, String path, String body) {
        if (method.equals("GET") && path.equals("/_sim/health")) {
            return ok(json.createObjectNode().put("status", "ok").put("timeScale", cloud.clock().scale())
                    .put("now", cloud.clock().now().toString()));
        }
        if (method.equals("GET") && path.equals("/_sim/state")) {
            return ok(state());
        }
        if (method.equals("GET") && path.startsWith("/_sim/snapshots/")) {
            String id = path.substring("/_sim/snapshots/".length());
            return cloud.snapshot(id).map(s -> ok(snapshot(s, cloud.clock().nowMillis())))
                    .orElseGet(() -> new Reply(404, "application/json", "{\"message\":\"no snapshot " + id + "\"}"));
        }
        if (method.equals("POST") && path.equals("/_sim/reset")) {
            cloud.reset();
            return ok(json.createObjectNode().put("reset", true));
        }
        if (method.equals("GET") && path.equals("/_sim/registries")) {
            ObjectNode endpoints = json.createObjectNode();
            cloud.registryEndpoints().forEach((host, uri) -> endpoints.put(host, uri.toString()));
            return ok(endpoints);
        }
        if (method.equals("POST") && path.equals("/_sim/registry/rebuild")) {
            return rebuild(body);
        }
        if (method.equals("POST") && path.equals("/_sim/faults")) {
            cloud.applyFaults(readFaults(body));
            return ok(json.createObjectNode().put("applied", true));
        }
        return new Reply(404, "application/json", "{\"message\":\"no such endpoint " + path + "\"}");
    }

    /** {@code {"reference": "docker.io/library/nginx:1.27"}} → the tag's new index and manifest digests. */
    private Reply rebuild(String body) {
        String reference;
        try {
            reference = json.readTree(body.isBlank() ? "{}" : body).path("reference").asText("");
        } catch (IOException e) {
            return new Reply(400, "application/json", json.createObjectNode()
                    .put("message", "body must be JSON {\"reference\": \"host/repository:tag\"}").toString());
        }
        if (cloud.catalog().find(reference).isEmpty()) {
            return new Reply(404, "application/json", json.createObjectNode()
                    .put("message", "reference: no image " + reference + " in the registry catalog").toString());
        }
        CatalogImage image = cloud.rebuildImage(reference);
        ObjectNode node = json.createObjectNode().put("reference", reference).put("indexDigest", image.indexDigest());
        ObjectNode platforms = node.putObject("manifests");
        image.platforms().values().forEach(m -> platforms.put(m.platform(), m.digest()));
        return ok(node);
    }

    /** YAML is a superset of JSON, so one reader takes both. */
    private FaultConfig readFaults(String body) {
        try {
            return yaml.readValue(body, FaultConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode state() {
        ObjectNode root = json.createObjectNode();
        synchronized (cloud) {
            long now = cloud.advance();
            for (Map.Entry<String, Region> entry : cloud.regions().entrySet()) {
                Region region = entry.getValue();
                ObjectNode node = root.putObject(entry.getKey());
                ArrayNode stacks = node.putArray("stacks");
                for (Stack stack : region.cloudFormation().allStacks()) {
                    ObjectNode s = stacks.addObject().put("stackId", stack.id()).put("name", stack.name())
                            .put("status", stack.status()).put("statusReason", stack.statusReason());
                    s.set("outputs", json.valueToTree(stack.outputs()));
                    s.set("resources", json.valueToTree(stack.resources().values()));
                }
                ArrayNode instances = node.putArray("instances");
                for (Instance instance : region.ec2().allInstances()) {
                    ObjectNode i = instances.addObject().put("instanceId", instance.instanceId())
                            .put("state", instance.state().apiName()).put("instanceType", instance.instanceType())
                            .put("imageId", instance.image().imageId())
                            .put("kubernetesMinor", instance.kubernetesMinorVersion())
                            .put("ssmOnline", instance.agentOnline())
                            .put("kubeletRunning", instance.runtime().kubeletRunning())
                            .put("usedBytes", instance.runtime().usedBytes());
                    i.set("volumeContents", json.valueToTree(instance.runtime().volumeContents()));
                }
                ArrayNode volumes = node.putArray("volumes");
                for (Volume volume : region.ec2().allVolumes()) {
                    ObjectNode v = volumes.addObject().put("volumeId", volume.id()).put("state", volume.state());
                    v.set("spec", json.valueToTree(volume.spec()));
                    v.set("attachment", json.valueToTree(volume.attachment()));
                }
                ArrayNode snapshots = node.putArray("snapshots");
                region.ec2().allSnapshots().forEach(s -> snapshots.add(snapshot(s, now)));
                ArrayNode commands = node.putArray("commands");
                for (Command command : region.ssm().commands()) {
                    commands.addObject().put("commandId", command.id())
                            .set("parameters", json.valueToTree(command.parameters()));
                }
                ArrayNode parameters = node.putArray("parameters");
                for (Parameter parameter : region.ssm().storedParameters()) {
                    parameters.addObject().put("name", parameter.name()).put("type", parameter.type())
                            .put("version", parameter.version());
                }
            }
        }
        return root;
    }

    private ObjectNode snapshot(Snapshot snapshot, long now) {
        Snapshot.Progress progress = snapshot.progress(now);
        ObjectNode node = json.createObjectNode().put("snapshotId", snapshot.id()).put("volumeId", snapshot.volumeId())
                .put("status", progress.status()).put("progress", progress.percent())
                .put("description", snapshot.description()).put("bytes", snapshot.bytes())
                .put("usedBytes", snapshot.bytes())
                .put("parentSnapshotId", snapshot.blocks().parentSnapshotId())
                .put("storedBytes", snapshot.blocks().storedBytes());
        node.set("tags", json.valueToTree(snapshot.tags()));
        node.set("contents", json.valueToTree(snapshot.contents()));
        return node;
    }

    private Reply ok(ObjectNode body) {
        return new Reply(200, "application/json", body.toString());
    }
}
