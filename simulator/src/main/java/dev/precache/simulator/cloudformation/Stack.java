package dev.precache.simulator.cloudformation;

import dev.precache.simulator.cloudformation.template.BoundTemplate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A CloudFormation stack: its status, resources in creation order, events and outputs. */
public final class Stack {
    final String id;
    final String name;
    final Instant created;
    final String clientRequestToken;
    Map<String, String> tags;
    final Map<String, ChangeSet> changeSets = new LinkedHashMap<>();
    String templateBody;
    List<String> capabilities;
    BoundTemplate template;
    String status;
    String statusReason;
    Instant lastUpdated;
    Instant deleted;
    Map<String, String> outputs = Map.of();
    final Map<String, StackResource> resources = new LinkedHashMap<>();
    final List<StackEvent> events = new ArrayList<>();

    Stack(String id, String name, Instant created, String clientRequestToken, Map<String, String> tags) {
        this.id = id;
        this.name = name;
        this.created = created;
        this.clientRequestToken = clientRequestToken;
        this.tags = tags;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public String status() {
        return status;
    }

    public String statusReason() {
        return statusReason;
    }

    public Map<String, String> tags() {
        return tags;
    }

    public Map<String, String> outputs() {
        return outputs;
    }

    public List<StackEvent> events() {
        return events;
    }

    public Map<String, StackResource> resources() {
        return resources;
    }

    boolean isDeleted() {
        return "DELETE_COMPLETE".equals(status);
    }
}
