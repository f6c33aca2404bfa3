package dev.precache.simulator.fault;

import java.util.List;

/**
 * Faults to inject, as read from {@code --faults faults.yaml} or posted to {@code /_sim/faults}. Absent
 * fields mean "no such fault".
 *
 * <pre>
 * seed: 42
 * errors:
 *   - {service: ec2, operation: DescribeSnapshots, error: RequestLimitExceeded, rate: 0.3}
 *   - {service: ssm, operation: "*", error: InternalError, rate: 0.1}
 * stackRollback: "Instance failed to stabilize"
 * instanceNeverOnline: true
 * pullFailures:
 *   - {pattern: ".*:broken$", message: "not found"}
 * snapshotError: "Snapshot copy failed"
 * instanceStuckStopping: true
 * </pre>
 */
public record FaultConfig(
        Long seed,
        List<ErrorRule> errors,
        String stackRollback,
        Boolean instanceNeverOnline,
        List<PullFailure> pullFailures,
        String snapshotError,
        Boolean instanceStuckStopping) {

    /** Fails {@code rate} of the calls to one operation ({@code *}: every operation) of one service with the error. */
    public record ErrorRule(String service, String operation, String error, double rate) {}

    /** Image pulls whose reference matches {@code pattern} fail with {@code message}. */
    public record PullFailure(String pattern, String message) {}

    public static FaultConfig none() {
        return new FaultConfig(null, List.of(), null, false, List.of(), null, false);
    }
}
