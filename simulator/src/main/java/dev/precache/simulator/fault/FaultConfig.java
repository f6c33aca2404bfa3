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
 * registryErrors:
 *   - {host: "docker\\.io", code: TOOMANYREQUESTS, rate: 1.0, retryAfterSeconds: 30}
 * heldCommands: ["^precache: verify"]
 * </pre>
 *
 * {@code heldCommands} keeps the Run Command commands whose comment a pattern finds Pending, undelivered, until
 * the fault is lifted: a test holds a build in a short step with it.
 */
public record FaultConfig(
        Long seed,
        List<ErrorRule> errors,
        String stackRollback,
        Boolean instanceNeverOnline,
        List<PullFailure> pullFailures,
        String snapshotError,
        Boolean instanceStuckStopping,
        List<RegistryError> registryErrors,
        List<String> heldCommands) {

    /** Fails {@code rate} of the calls to one operation ({@code *}: every operation) of one service with the error. */
    public record ErrorRule(String service, String operation, String error, double rate) {}

    /** Image pulls whose reference matches {@code pattern} fail with {@code message}. */
    public record PullFailure(String pattern, String message) {}

    /**
     * Fails {@code rate} of the registry API requests (manifests, blobs, tags; not the ping or token endpoint) to
     * hosts the {@code host} pattern finds with the OCI error {@code code}: TOOMANYREQUESTS (429, with
     * Retry-After: {@code retryAfterSeconds}, default 60), UNAUTHORIZED (401), DENIED (403), NAME_UNKNOWN,
     * MANIFEST_UNKNOWN, BLOB_UNKNOWN (404), anything else 503.
     */
    public record RegistryError(String host, String code, double rate, Integer retryAfterSeconds) {
        public int httpStatus() {
            return switch (code) {
                case "TOOMANYREQUESTS" -> 429;
                case "UNAUTHORIZED" -> 401;
                case "DENIED" -> 403;
                case "NAME_UNKNOWN", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN" -> 404;
                default -> 503;
            };
        }

        /** The status line containerd's resolver quotes: "429 Too Many Requests". */
        public String statusLine() {
            return httpStatus() + " " + switch (httpStatus()) {
                case 429 -> "Too Many Requests";
                case 401 -> "Unauthorized";
                case 403 -> "Forbidden";
                case 404 -> "Not Found";
                default -> "Service Unavailable";
            };
        }
    }

    public static FaultConfig none() {
        return new FaultConfig(null, List.of(), null, false, List.of(), null, false, List.of(), List.of());
    }
}
