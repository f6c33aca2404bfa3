package dev.precache.simulator;

import java.util.ArrayList;
import java.util.List;

/**
 * Every AWS API call the simulator answered, in order, with the error it returned, if any: what tests and the
 * chaos suite count (how often a build called CreateStack, whether anything called it after a build closed).
 */
public final class RequestLog {

    /** One answered call; {@code errorCode} is null for a success. */
    public record Call(long simMillis, String service, String operation, String region, String errorCode) {}

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
