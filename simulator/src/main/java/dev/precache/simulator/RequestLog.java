package dev.precache.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every AWS API call the simulator answered, in order, with the error it returned, if any: what tests and the
 * chaos suite count (how often a build called CreateStack, whether anything called it after a build closed), and
 * what an IAM policy check needs of each call: its parameters and the tags of the resources it named.
 */
public final class RequestLog {

    /**
     * One answered call; {@code errorCode} is null for a success.
     *
     * @param parameters   the request's parameters, flattened as the query protocol does ({@code InstanceId.1},
     *                     {@code Tag.2.Key}; JSON requests alike), without template bodies and parameter values
     * @param resourceTags the tags, as they were when the call arrived, of each existing resource the call named
     *                     (instances, volumes, snapshots, stacks), by its ID or stack name
     */
    public record Call(long simMillis, String service, String operation, String region, String errorCode,
                       Map<String, String> parameters, Map<String, Map<String, String>> resourceTags) {}

    private final List<Call> calls = new ArrayList<>();

    synchronized void record(Call call) {
        calls.add(call);
    }

    /** The calls to one operation of one service, in order. */
    public synchronized List<Call> calls(String service, String operation) {
        return calls.stream()
                .filter(call -> call.service().equalsIgnoreCase(service) && call.operation().equals(operation))
                .toList();
    }

    public synchronized List<Call> all() {
        return new ArrayList<>(calls);
    }

    synchronized void clear() {
        calls.clear();
    }
}
