package dev.precache.workflows;

import dev.precache.workflows.JanitorReport.Sweep;
import dev.precache.workflows.JanitorReport.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Which leftovers the janitor removes: those of a build that is not running on the Temporal server (closed, or
 * unknown to it: its server was the in-memory one of {@code worker --dev}, or its namespace was deleted), once the
 * build's oldest resource is older than {@code olderThan} (zero: whatever its age, even one whose clock runs ahead). Never a running build's; never anything untagged (such
 * is never listed).
 */
public final class Janitor {

  /**
   * A build none of whose resources names its workflow (made by a precache before stacks carried
   * {@code precache:workflow-id}) cannot be asked about: it is left until no build can still run, the longest
   * deadline {@link BuildRequestValidator} allows (48 h) plus {@link BuildTimeouts#TEARDOWN_ALLOWANCE}.
   */
  static final Duration UNTRACEABLE_MIN_AGE = Duration.ofHours(48).plus(BuildTimeouts.TEARDOWN_ALLOWANCE);

  private Janitor() {}

  /** Each leftover with the workflow ID some resource of its build carries, or as it was. */
  public static List<Leftover> traced(List<Leftover> leftovers) {
    Map<String, String> workflowOfBuild = new HashMap<>();
    leftovers.stream().filter(l -> l.workflowId() != null)
        .forEach(l -> workflowOfBuild.putIfAbsent(l.region() + "\n" + l.buildId(), l.workflowId()));
    return leftovers.stream()
        .map(l -> l.workflowId() != null ? l
            : l.withWorkflowId(workflowOfBuild.get(l.region() + "\n" + l.buildId())))
        .toList();
  }

  /** Pure: the verdict on each of {@code traced} leftovers, in the order they would be removed. */
  public static List<Sweep> decide(List<Leftover> traced, Set<String> running, Instant now, Duration olderThan) {
    Map<String, Instant> buildStarted = new HashMap<>();
    traced.forEach(l -> buildStarted.merge(l.region() + "\n" + l.buildId(), l.createdAt(),
        (a, b) -> a.isBefore(b) ? a : b));
    List<Sweep> sweeps = new ArrayList<>();
    traced.stream()
        .sorted(Comparator.comparing(Leftover::kind).thenComparing(Leftover::id))
        .forEach(leftover -> {
          Duration age = Duration.between(buildStarted.get(leftover.region() + "\n" + leftover.buildId()), now);
          String build = "build " + leftover.buildId();
          if (leftover.workflowId() != null && running.contains(leftover.workflowId())) {
            sweeps.add(new Sweep(leftover, Verdict.KEEP, build + " is running (" + leftover.workflowId() + ")"));
          } else if (!olderThan.isZero() && age.compareTo(olderThan) < 0) {
            sweeps.add(new Sweep(leftover, Verdict.KEEP, build + " started " + human(age) + " ago, under --older-than "
                + human(olderThan)));
          } else if (leftover.workflowId() == null && age.compareTo(UNTRACEABLE_MIN_AGE) < 0) {
            sweeps.add(new Sweep(leftover, Verdict.KEEP, build + " names no workflow to ask Temporal about: kept until "
                + human(UNTRACEABLE_MIN_AGE) + " old, when no build can still run"));
          } else {
            sweeps.add(new Sweep(leftover, Verdict.REMOVE, build + (leftover.workflowId() == null
                ? " names no workflow and is older than any build can run"
                : " is not running on this Temporal server (" + leftover.workflowId() + ": closed or unknown)")));
          }
        });
    return sweeps;
  }

  /** Finds, asks Temporal, decides and, unless a dry run, removes: workflow code. */
  public static JanitorReport apply(JanitorRequest request, JanitorActivities activities,
      BuildLivenessActivities liveness, Instant now) {
    List<Sweep> all = new ArrayList<>();
    for (String region : request.regions()) {
      List<Leftover> traced = traced(activities.findLeftovers(region));
      List<String> workflows = traced.stream().map(Leftover::workflowId).filter(Objects::nonNull).distinct().toList();
      Set<String> running = workflows.isEmpty() ? Set.of() : Set.copyOf(liveness.runningWorkflows(workflows));
      for (Sweep sweep : decide(traced, running, now, request.olderThan())) {
        if (sweep.verdict() == Verdict.REMOVE && !request.dryRun()) {
          activities.removeLeftover(sweep.leftover());
          all.add(new Sweep(sweep.leftover(), Verdict.REMOVED, sweep.reason()));
        } else {
          all.add(sweep);
        }
      }
    }
    return new JanitorReport(request.dryRun(), all);
  }

  /** {@code PT6H} → {@code 6h}. */
  static String human(Duration duration) {
    return duration.withNanos(0).toString().substring(2).toLowerCase(java.util.Locale.ROOT);
  }
}
