package dev.precache.simulator.ssm;

import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.instance.Execution;
import dev.precache.simulator.instance.ExecutionStatus;

/**
 * One command on one instance. It waits (Pending) until the instance's agent is online or the delivery
 * deadline passes, then runs on the instance's runtime until it ends or its execution timeout passes.
 */
final class Invocation {
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
        if (now >= timeoutAt) {
            ExecutionStatus atTimeout = execution.poll(timeoutAt);
            if (atTimeout.state() == ExecutionStatus.State.IN_PROGRESS) {
                execution.cancel(timeoutAt);
                result = new InvocationResult("TimedOut", "ExecutionTimedOut", -1, atTimeout.stdout(),
                        atTimeout.stderr(), startMillis, timeoutAt);
                return result;
            }
        }
        ExecutionStatus status = execution.poll(Math.min(now, timeoutAt));
        return switch (status.state()) {
            case IN_PROGRESS -> new InvocationResult("InProgress", "InProgress", -1, status.stdout(), status.stderr(),
                    startMillis, null);
            case SUCCESS -> result = new InvocationResult("Success", "Success", status.exitCode(), status.stdout(),
                    status.stderr(), startMillis, now);
            case FAILED -> result = new InvocationResult("Failed", "Failed", status.exitCode(), status.stdout(),
                    status.stderr(), startMillis, now);
        };
    }

    void cancel(long now) {
        if (view(now).terminal()) {
            return;
        }
        if (execution != null) {
            execution.cancel(now);
        }
        result = new InvocationResult("Cancelled", "Cancelled", -1, "", "", execution == null ? null : startMillis, now);
    }
}
