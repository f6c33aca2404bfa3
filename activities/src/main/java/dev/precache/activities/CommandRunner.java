package dev.precache.activities;

import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Command;
import software.amazon.awssdk.services.ssm.model.CommandFilter;
import software.amazon.awssdk.services.ssm.model.CommandFilterKey;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationRequest;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.InvocationDoesNotExistException;
import software.amazon.awssdk.services.ssm.model.ListCommandsRequest;
import software.amazon.awssdk.services.ssm.model.ListCommandsResponse;
import software.amazon.awssdk.services.ssm.model.SendCommandRequest;

/**
 * Runs one shell command on the build instance through SSM Run Command ({@code AWS-RunShellScript}) and waits
 * for it, heartbeating its command ID. A retried activity finds that ID in its heartbeat details: while the
 * command it names still runs (or has succeeded) it is waited for (or its output used) instead of sending a
 * second one. The command's comment names the step, so an ID heartbeated by another step is never mistaken
 * for this one. An attempt that died before its heartbeat reached Temporal left no ID behind: its command is
 * found on the instance by that comment instead, as the instance runs one build and a build no step twice.
 */
final class CommandRunner {

  private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);

  static final String DOCUMENT = "AWS-RunShellScript";
  /** A command not started on the instance within this is given up by SSM (DeliveryTimedOut). */
  static final Duration DELIVERY_TIMEOUT = Duration.ofMinutes(2);
  /** GetCommandInvocation may not know a command for a moment after SendCommand. */
  static final Duration INVOCATION_VISIBLE_WITHIN = Duration.ofSeconds(30);
  private static final int COMMENT_MAX = 100;
  /** ListCommands pages (of up to 50 commands) looked through for a command a dead attempt sent. */
  private static final int LISTED_PAGES_MAX = 10;
  private static final List<String> LOST_DETAILS = List.of("Undeliverable", "Terminated");

  /**
   * What a second run of a command would do, which decides what follows a SendCommand that failed without saying
   * whether SSM took it (a 5xx, a timeout).
   */
  enum Repeats {
    /**
     * Harmless: a second run, even alongside the first, changes nothing and answers the same (stopping kubelet,
     * listings, measuring the volume). Such a command is sent again at once, without asking SSM whether the first
     * went out.
     */
    HARMLESS,
    /**
     * Once: a second run would matter (a pull, a removal, a timed probe that a twin would slow down). SSM is asked
     * first (ListCommands, by the command's comment) whether the first went out, and that one is waited for if so.
     */
    ONCE
  }

  private final AwsClients clients;
  private final Polling polling;

  CommandRunner(AwsClients clients, Duration pollInterval) {
    this.clients = clients;
    this.polling = new Polling(pollInterval);
  }

  /**
   * Runs a command and returns its standard output.
   *
   * @param step             what the command does, for its comment, logs and failures; no other command sent to
   *                         the instance has the same step, as the comment is how a retry tells its command
   * @param command          the command line; only asked for when a new command is sent
   * @param executionTimeout how long the command may run on the instance
   * @param repeats          whether the command may run twice, which spares a look-up after an uncertain send
   */
  String run(String region, String instanceId, String step, Supplier<String> command, Duration executionTimeout,
      Repeats repeats) {
    return runTimed(region, instanceId, step, command, executionTimeout, repeats).stdout();
  }

  /**
   * What the wait heartbeats at each poll of its command: the command ID itself, or a record holding it as
   * {@code commandId} with more for whoever watches (a pull's {@link PullProbe}). A retry reads the ID back from it.
   */
  @FunctionalInterface
  interface PollDetails {
    Object at(String commandId);
  }

  static final PollDetails COMMAND_ID = commandId -> commandId;

  /** As {@link #run}, heartbeating {@code details} at each poll. */
  String run(String region, String instanceId, String step, Supplier<String> command, Duration executionTimeout,
      Repeats repeats, PollDetails details) {
    return runTimed(region, instanceId, step, command, executionTimeout, repeats, details).stdout();
  }

  /**
   * A command's standard output and how long it ran on the instance: SSM's ExecutionStartDateTime to
   * ExecutionEndDateTime, the agent's own clock, so neither delivery nor polling is counted.
   */
  record TimedOutput(String stdout, long executedMillis) {}

  /** As {@link #run}, with the command's execution time on the instance. */
  TimedOutput runTimed(String region, String instanceId, String step, Supplier<String> command,
      Duration executionTimeout, Repeats repeats) {
    return runTimed(region, instanceId, step, command, executionTimeout, repeats, COMMAND_ID);
  }

  private TimedOutput runTimed(String region, String instanceId, String step, Supplier<String> command,
      Duration executionTimeout, Repeats repeats, PollDetails details) {
    SsmClient ssm = clients.ssm(region);
    String comment = comment(step);
    Optional<String> heartbeated = heartbeatedCommandId();
    // Until a command is known, heartbeats keep the one an earlier attempt left, if any, for the next retry.
    String known = heartbeated.orElse(null);
    // A first attempt has no earlier one whose command could be there: no step is run twice in a build run.
    Optional<String> resumable = Polling.isFirstAttempt() && heartbeated.isEmpty() ? Optional.empty()
        : polling.untilAnswered(step + ": look for its command", known, () -> heartbeated
            .filter(commandId -> isResumable(ssm, instanceId, commandId, comment))
            .or(() -> findResumable(ssm, instanceId, comment, executionTimeout)));
    String commandId;
    if (resumable.isPresent()) {
      commandId = resumable.get();
      log.info("{}: resuming command {} on {}", step, commandId, instanceId);
    } else {
      commandId = send(ssm, instanceId, step, command.get(), executionTimeout, repeats, known);
      log.info("{}: sent command {} to {}", step, commandId, instanceId);
    }
    Object sent = details.at(commandId);
    Activity.getExecutionContext().heartbeat(sent);
    Instant deadline = Instant.now().plus(DELIVERY_TIMEOUT).plus(executionTimeout).plus(polling.interval());
    GetCommandInvocationResponse done = await(ssm, instanceId, commandId, step, deadline, details, sent);
    return new TimedOutput(nullToEmpty(done.standardOutputContent()), executedMillis(done));
  }

  /**
   * From SSM's ISO-8601 execution start and end (e.g. {@code 2026-12-01T17:02:11.532Z}; moto writes them without
   * the zone, {@code 2026-12-01T18:52:23.358121}, read as UTC); 0 when either is missing or unreadable: the time is
   * a report, never a reason to fail the command.
   */
  static long executedMillis(GetCommandInvocationResponse invocation) {
    Optional<Instant> start = executionStart(invocation);
    Optional<Instant> end = instant(invocation.executionEndDateTime());
    return start.isPresent() && end.isPresent() ? Duration.between(start.get(), end.get()).toMillis() : 0;
  }

  /** When the command began on the instance, by the agent's clock; empty when SSM gave none that reads. */
  static Optional<Instant> executionStart(GetCommandInvocationResponse invocation) {
    return instant(invocation.executionStartDateTime());
  }

  private static Optional<Instant> instant(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(text));
    } catch (java.time.format.DateTimeParseException noZone) {
      try {
        return Optional.of(java.time.LocalDateTime.parse(text).toInstant(java.time.ZoneOffset.UTC));
      } catch (java.time.format.DateTimeParseException unreadable) {
        return Optional.empty();
      }
    }
  }

  /**
   * The newest command with this comment sent to the instance that still runs or has succeeded. Only commands
   * sent within the delivery and execution timeouts can still run; older ones are not listed, as sending their
   * step again is at worst redundant.
   */
  private static Optional<String> findResumable(
      SsmClient ssm, String instanceId, String comment, Duration executionTimeout) {
    String sentAfter = Instant.now().minus(DELIVERY_TIMEOUT).minus(executionTimeout)
        .truncatedTo(ChronoUnit.SECONDS).toString();
    ListCommandsRequest.Builder request = ListCommandsRequest.builder()
        .instanceId(instanceId)
        .filters(CommandFilter.builder().key(CommandFilterKey.INVOKED_AFTER).value(sentAfter).build());
    List<Command> sameStep = new ArrayList<>();
    String nextToken = null;
    int pages = 0;
    do {
      ListCommandsResponse page = ssm.listCommands(request.nextToken(nextToken).build());
      page.commands().stream().filter(command -> comment.equals(command.comment())).forEach(sameStep::add);
      nextToken = page.nextToken();
    } while (nextToken != null && ++pages < LISTED_PAGES_MAX);
    if (nextToken != null) {
      log.warn("Looked through {} pages of the commands sent to {} since {}, not all: \"{}\" may be running unseen",
          LISTED_PAGES_MAX, instanceId, sentAfter, comment);
    }
    return sameStep.stream()
        .sorted(Comparator.comparing(Command::requestedDateTime).reversed())
        .map(Command::commandId)
        .filter(commandId -> isResumable(ssm, instanceId, commandId, comment))
        .findFirst();
  }

  private static boolean isResumable(SsmClient ssm, String instanceId, String commandId, String comment) {
    try {
      GetCommandInvocationResponse invocation = ssm.getCommandInvocation(invocationRequest(instanceId, commandId));
      return comment.equals(invocation.comment()) && !isLost(invocation) && switch (invocation.status()) {
        case PENDING, IN_PROGRESS, DELAYED, SUCCESS -> true;
        default -> false;
      };
    } catch (InvocationDoesNotExistException e) {
      return false;
    }
  }

  /**
   * Sends the command, riding out refusals: a harmless one is sent again after any; one to run once is only after
   * throttling, or once a look found no command SSM took despite an error (by its comment).
   */
  private String send(SsmClient ssm, String instanceId, String step, String command, Duration executionTimeout,
      Repeats repeats, String known) {
    String comment = comment(step);
    String action = step + ": send command";
    Supplier<String> send = () -> send(ssm, instanceId, comment, command, executionTimeout);
    return switch (repeats) {
      case HARMLESS -> polling.untilAnswered(action, known, send);
      case ONCE -> polling.once(action, known, send, () -> findResumable(ssm, instanceId, comment, executionTimeout));
    };
  }

  private static String send(SsmClient ssm, String instanceId, String comment, String command, Duration timeout) {
    return ssm.sendCommand(SendCommandRequest.builder()
            .instanceIds(instanceId)
            .documentName(DOCUMENT)
            .comment(comment)
            .timeoutSeconds((int) DELIVERY_TIMEOUT.toSeconds())
            .parameters(Map.of(
                "commands", List.of(command),
                "executionTimeout", List.of(String.valueOf(timeout.toSeconds()))))
            .build())
        .command().commandId();
  }

  private GetCommandInvocationResponse await(SsmClient ssm, String instanceId, String commandId, String step,
      Instant deadline, PollDetails details, Object sent) {
    Instant visibleBy = Instant.now().plus(INVOCATION_VISIBLE_WITHIN);
    Polling.Wait wait = polling.newWait();
    // The details of a poll are worked out after it, only while the command runs: a pull's probe is no extra call
    // before a command that is already done is seen done.
    Object heartbeat = sent;
    while (Instant.now().isBefore(deadline)) {
      Optional<GetCommandInvocationResponse> visible = polling.untilAnswered(step + ": read command " + commandId,
          heartbeat, () -> invocation(ssm, instanceId, commandId));
      if (visible.isEmpty()) {
        if (Instant.now().isAfter(visibleBy)) {
          throw ApplicationFailure.newFailure(
              step + ": command " + commandId + " never showed up on " + instanceId, AwsFailures.TRANSIENT_COMMAND);
        }
        heartbeat = details.at(commandId);
        wait.pause(heartbeat);
        continue;
      }
      GetCommandInvocationResponse invocation = visible.get();
      if (isLost(invocation)) {
        throw transientFailure(step, commandId, invocation.statusDetails(), invocation);
      }
      switch (invocation.status()) {
        case PENDING, IN_PROGRESS, DELAYED, CANCELLING -> {
          heartbeat = details.at(commandId);
          wait.pause(heartbeat);
        }
        case SUCCESS -> {
          log.info("{}: command {} succeeded", step, commandId);
          return invocation;
        }
        case FAILED -> throw AwsFailures.commandFailed(step, invocation.responseCode(), output(invocation));
        default -> throw transientFailure(step, commandId, invocation.statusAsString(), invocation);
      }
    }
    throw ApplicationFailure.newFailure(
        step + ": command " + commandId + " did not finish in time", AwsFailures.TRANSIENT_COMMAND);
  }

  /**
   * The command ID an earlier attempt heartbeated: its details, or their {@code commandId} when they are a record
   * ({@link PollDetails}); decoded untyped, so either shape (and a worker's from before the records) reads.
   */
  private static Optional<String> heartbeatedCommandId() {
    return Activity.getExecutionContext().getHeartbeatDetails(Object.class)
        .map(details -> details instanceof Map<?, ?> record ? record.get("commandId") : details)
        .filter(String.class::isInstance)
        .map(String.class::cast);
  }

  /** The command's invocation on the instance, or empty while SSM does not know it (yet). */
  private static Optional<GetCommandInvocationResponse> invocation(SsmClient ssm, String instanceId, String commandId) {
    try {
      return Optional.of(ssm.getCommandInvocation(invocationRequest(instanceId, commandId)));
    } catch (InvocationDoesNotExistException e) {
      return Optional.empty();
    }
  }

  /** Undeliverable (instance gone or not managed) and Terminated (parent command cancelled) never finish. */
  private static boolean isLost(GetCommandInvocationResponse invocation) {
    return LOST_DETAILS.contains(invocation.statusDetails());
  }

  private static ApplicationFailure transientFailure(
      String step, String commandId, String status, GetCommandInvocationResponse invocation) {
    return AwsFailures.compact(ApplicationFailure.newFailure(step + ": command " + commandId + " ended " + status
        + ":\n" + AwsFailures.trimmed(output(invocation), AwsFailures.RETRIED_OUTPUT_LIMIT),
        AwsFailures.TRANSIENT_COMMAND));
  }

  private static GetCommandInvocationRequest invocationRequest(String instanceId, String commandId) {
    return GetCommandInvocationRequest.builder().commandId(commandId).instanceId(instanceId).build();
  }

  private static String output(GetCommandInvocationResponse invocation) {
    return (nullToEmpty(invocation.standardOutputContent()) + "\n" + nullToEmpty(invocation.standardErrorContent()))
        .strip();
  }

  private static String nullToEmpty(String text) {
    return text == null ? "" : text;
  }

  /**
   * {@code precache: <step>}. A step too long for SSM's 100-character comment is cut and ends in a hash of the
   * whole step, so steps that differ only past the cut (one long image's platforms) keep different comments.
   */
  static String comment(String step) {
    String comment = "precache: " + step;
    if (comment.length() <= COMMENT_MAX) {
      return comment;
    }
    String hash = " #" + sha256Hex(step).substring(0, 16);
    return comment.substring(0, COMMENT_MAX - hash.length()) + hash;
  }

  private static String sha256Hex(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
