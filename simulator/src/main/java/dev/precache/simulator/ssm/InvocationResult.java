package dev.precache.simulator.ssm;

/** The state of one command on one instance, as GetCommandInvocation reports it. */
public record InvocationResult(String status, String statusDetails, int responseCode, String stdout, String stderr,
                               Long startMillis, Long endMillis) {
    public boolean terminal() {
        return switch (status) {
            case "Success", "Failed", "TimedOut", "Cancelled" -> true;
            default -> false;
        };
    }
}
