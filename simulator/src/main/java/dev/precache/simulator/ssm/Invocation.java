package dev.precache.simulator.ssm;

import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.instance.Execution;
import dev.precache.simulator.instance.ExecutionStatus;
import dev.precache.simulator.instance.ExecutionStatus.State;

/**
 * One command on one instance. It waits (Pending) until the instance's agent is online or the delivery
 * deadline passes, then runs on the instance's runtime until it ends or its execution timeout passes.
 */
final class Invocation {
    private static final String CANCELLED_NOTE = "The command was cancelled.";

    final Command command;
    final Instance instance;
    private final String script;
    private Execution execution;
    private long startMillis;
    private InvocationResult result;

    Invocation(Command command, Instance instance, String script) {
        this.command = command;
        this.instance = instance;
        this.script = script;
    }

    /** Tries to hand the script to the agent; returns false while it must keep waiting. */
    boolean tryDeliver(long now) {
        if (result != null || execution != null) {
            return true;
        }
        if (now >= command.deliveryDeadlineMillis()) {
            result = new InvocationResult("TimedOut", "DeliveryTimedOut", -1, "", "", null, now);
            return true;
        }
        if (!instance.agentOnline()) {
            return false;
        }
        execution = instance.runtime().start(script, now);
        startMillis = now;
        return true;
    }

    InvocationResult view(long now) {
        if (result != null) {
            return result;
        }
        if (execution == null) {
            return new InvocationResult("Pending", "Pending", -1, "", "", null, null);
        }
        long timeoutAt = startMillis + command.executionTimeoutSeconds() * 1000L;
        if (now >= timeoutAt && execution.poll(timeoutAt).state() == State.IN_PROGRESS) {
            execution.cancel(timeoutAt);
            return result = ended("TimedOut", "ExecutionTimedOut", execution.poll(timeoutAt), timeoutAt,
                    "Command execution timed out after " + command.executionTimeoutSeconds() + " seconds.");
        }
        ExecutionStatus status = execution.poll(Math.min(now, timeoutAt));
        return switch (status.state()) {
            case IN_PROGRESS -> new InvocationResult("InProgress", "InProgress", -1, status.stdout(), status.stderr(),
                    startMillis, null);
            case SUCCESS -> result = ended("Success", "Success", status, status.endedAtMillis(), null);
            // No exit code: the instance stopped or terminated under the command.
            case FAILED -> result = ended("Failed", "Failed", status, status.endedAtMillis(),
                    status.exitCode() == ExecutionStatus.NO_EXIT_CODE
                            ? "The command was interrupted: the instance stopped before it finished." : null);
            case CANCELLED -> result = ended("Cancelled", "Cancelled", status, status.endedAtMillis(), CANCELLED_NOTE);
        };
    }

    void cancel(long now) {
        if (view(now).terminal()) {
            return;
        }
        if (execution == null) {
            result = new InvocationResult("Cancelled", "Cancelled", -1, "", "", null, now);
            return;
        }
        execution.cancel(now);
        result = ended("Cancelled", "Cancelled", execution.poll(now), now, CANCELLED_NOTE);
    }

    /** The final result, with the agent's own note (if any) after what the command wrote to stderr. */
    private InvocationResult ended(String status, String details, ExecutionStatus execution, long at, String note) {
        String stderr = note == null ? execution.stderr()
                : execution.stderr() + (execution.stderr().isEmpty() || execution.stderr().endsWith("\n") ? "" : "\n")
                        + note + "\n";
        return new InvocationResult(status, details, execution.exitCode(), execution.stdout(), stderr, startMillis, at);
    }
}
