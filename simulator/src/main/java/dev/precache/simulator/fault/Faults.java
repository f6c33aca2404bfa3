package dev.precache.simulator.fault;

import dev.precache.simulator.AwsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;

/** The faults currently in force. Error rates draw from a seeded RNG so a run is repeatable. */
public final class Faults {
    private static final long DEFAULT_SEED = 7;
    /** An error rule's operation that matches every operation of its service. */
    public static final String ANY_OPERATION = "*";

    private final List<FaultConfig.ErrorRule> errors = new ArrayList<>();
    private final List<FaultConfig.PullFailure> pullFailures = new ArrayList<>();
    private final List<FaultConfig.RegistryError> registryErrors = new ArrayList<>();
    private final List<Pattern> heldCommands = new ArrayList<>();
    private Random random = new Random(DEFAULT_SEED);
    private String stackRollback;
    private boolean instanceNeverOnline;
    private String snapshotError;
    private boolean instanceStuckStopping;

    /** Replaces every fault with those in {@code config}. */
    public synchronized void apply(FaultConfig config) {
        clear();
        random = new Random(config.seed() == null ? DEFAULT_SEED : config.seed());
        if (config.errors() != null) {
            errors.addAll(config.errors());
        }
        if (config.pullFailures() != null) {
            pullFailures.addAll(config.pullFailures());
        }
        if (config.registryErrors() != null) {
            registryErrors.addAll(config.registryErrors());
        }
        if (config.heldCommands() != null) {
            config.heldCommands().forEach(this::holdCommandsCommented);
        }
        stackRollback = config.stackRollback();
        instanceNeverOnline = Boolean.TRUE.equals(config.instanceNeverOnline());
        snapshotError = config.snapshotError();
        instanceStuckStopping = Boolean.TRUE.equals(config.instanceStuckStopping());
    }

    public synchronized void clear() {
        errors.clear();
        pullFailures.clear();
        registryErrors.clear();
        heldCommands.clear();
        random = new Random(DEFAULT_SEED);
        stackRollback = null;
        instanceNeverOnline = false;
        snapshotError = null;
        instanceStuckStopping = false;
    }

    public synchronized void addError(String service, String operation, String error, double rate) {
        errors.add(new FaultConfig.ErrorRule(service, operation, error, rate));
    }

    public synchronized void failPullsMatching(String pattern, String message) {
        pullFailures.add(new FaultConfig.PullFailure(pattern, message));
    }

    /** Keeps commands whose comment {@code pattern} finds undelivered until {@link #clear}. */
    public synchronized void holdCommandsCommented(String pattern) {
        heldCommands.add(Pattern.compile(pattern));
    }

    public synchronized boolean commandHeld(String comment) {
        return heldCommands.stream().anyMatch(pattern -> pattern.matcher(comment).find());
    }

    public synchronized void rollbackStacks(String reason) {
        stackRollback = reason;
    }

    public synchronized void instanceNeverOnline(boolean on) {
        instanceNeverOnline = on;
    }

    public synchronized void snapshotError(String message) {
        snapshotError = message;
    }

    public synchronized void instanceStuckStopping(boolean on) {
        instanceStuckStopping = on;
    }

    /** Throws the configured error for this call, if the dice say so. */
    public synchronized void maybeFail(String service, String operation) {
        for (FaultConfig.ErrorRule rule : errors) {
            if (rule.service().equalsIgnoreCase(service)
                    && (rule.operation().equals(ANY_OPERATION) || rule.operation().equals(operation))
                    && random.nextDouble() < rule.rate()) {
                throw new AwsException(rule.error(), "Injected fault: " + rule.error() + " on " + operation);
            }
        }
    }

    public synchronized void addRegistryError(String hostPattern, String code, double rate, Integer retryAfterSeconds) {
        registryErrors.add(new FaultConfig.RegistryError(hostPattern, code, rate, retryAfterSeconds));
    }

    /** The registry error this request to {@code host} fails with, if a rule matches and the dice say so. */
    public synchronized Optional<FaultConfig.RegistryError> registryError(String host) {
        for (FaultConfig.RegistryError rule : registryErrors) {
            if (Pattern.compile(rule.host()).matcher(host).find() && random.nextDouble() < rule.rate()) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }

    /** As {@link #registryError}, worded as an HTTP status line: what containerd's resolver reports. */
    public Optional<String> registryFailureStatus(String host) {
        return registryError(host).map(FaultConfig.RegistryError::statusLine);
    }

    public synchronized List<FaultConfig.PullFailure> pullFailures() {
        return List.copyOf(pullFailures);
    }

    public synchronized Optional<String> stackRollback() {
        return Optional.ofNullable(stackRollback);
    }

    public synchronized boolean instanceNeverOnline() {
        return instanceNeverOnline;
    }

    public synchronized Optional<String> snapshotError() {
        return Optional.ofNullable(snapshotError);
    }

    public synchronized boolean instanceStuckStopping() {
        return instanceStuckStopping;
    }
}
