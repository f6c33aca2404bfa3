package dev.precache.simulator.ssm;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Run Command request. {@code parameters} are kept exactly as sent: a secret passed as an
 * {@code {{ssm:/name}}} reference is resolved only into the script given to the instance.
 */
public final class Command {
    final String id;
    final String documentName;
    final String comment;
    final Map<String, List<String>> parameters;
    final Instant requested;
    final int timeoutSeconds;
    final int executionTimeoutSeconds;
    final Map<String, Invocation> invocations = new LinkedHashMap<>();

    Command(String id, String documentName, String comment, Map<String, List<String>> parameters, Instant requested,
            int timeoutSeconds, int executionTimeoutSeconds) {
        this.id = id;
        this.documentName = documentName;
        this.comment = comment;
        this.parameters = parameters;
        this.requested = requested;
        this.timeoutSeconds = timeoutSeconds;
        this.executionTimeoutSeconds = executionTimeoutSeconds;
    }

    public String id() {
        return id;
    }

    public Map<String, List<String>> parameters() {
        return parameters;
    }

    public String comment() {
        return comment;
    }

    public Instant requested() {
        return requested;
    }

    /** Each instance's invocation as GetCommandInvocation would report it at {@code now}: for the benchmarks' timelines. */
    public Map<String, InvocationResult> results(long now) {
        Map<String, InvocationResult> results = new LinkedHashMap<>();
        invocations.forEach((instanceId, invocation) -> results.put(instanceId, invocation.view(now)));
        return results;
    }

    long deliveryDeadlineMillis() {
        return requested.toEpochMilli() + timeoutSeconds * 1000L;
    }

    int executionTimeoutSeconds() {
        return executionTimeoutSeconds;
    }

    /** The command's overall status, folded from its invocations as SSM does. */
    String status(long now) {
        List<String> statuses = invocations.values().stream().map(i -> i.view(now).status()).toList();
        if (statuses.stream().allMatch("Pending"::equals)) {
            return "Pending";
        }
        if (statuses.stream().anyMatch(s -> s.equals("Pending") || s.equals("InProgress"))) {
            return "InProgress";
        }
        for (String outcome : List.of("Failed", "TimedOut", "Cancelled")) {
            if (statuses.contains(outcome)) {
                return outcome;
            }
        }
        return "Success";
    }
}
