package dev.precache.workflows;

import com.uber.m3.tally.Scope;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * precache's own metrics. They are recorded on a Temporal metrics scope, so they leave through the worker's
 * reporter (its Prometheus registry) beside the SDK's {@code temporal_} ones: {@link Workflow#getMetricsScope()}
 * in workflow code, where the SDK drops what a replay records, and the activity's
 * {@code Activity.getExecutionContext().getMetricsScope()} in activities (the janitor's). The names here are what Prometheus shows
 * less its suffixes: counters gain {@code _total}, timers {@code _seconds} (a histogram). Every series also has the
 * scope's {@code namespace}, {@code task_queue} and {@code workflow_type} (activities: {@code activity_type}) tags.
 */
public final class BuildMetrics {
  /** {@code precache_builds_started_total{region}}. */
  public static final String BUILDS_STARTED = "precache_builds_started";
  /** {@code precache_builds_finished_total{region, outcome, failure_type}}; outcome as {@link Outcome}. */
  public static final String BUILDS_FINISHED = "precache_builds_finished";
  /** {@code precache_builds_up_to_date_total{region}}: succeeded builds that launched nothing. */
  public static final String BUILDS_UP_TO_DATE = "precache_builds_up_to_date";
  /** {@code precache_step_duration_seconds{region, step}}, a histogram of each step that completed. */
  public static final String STEP_DURATION = "precache_step_duration";
  /** {@code precache_snapshot_bytes_total{region}}: bytes on the volumes of completed snapshots. */
  public static final String SNAPSHOT_BYTES = "precache_snapshot_bytes";
  /** {@code precache_teardown_failures_total{region}}: a part of a teardown that failed, so something may leak. */
  public static final String TEARDOWN_FAILURES = "precache_teardown_failures";
  /**
   * {@code precache_bytes_pulled_total{region}}: the compressed bytes of each image × platform pulled, as its
   * registry's manifest lists them (a layer two images share counts for each).
   */
  public static final String BYTES_PULLED = "precache_bytes_pulled";
  /** {@code precache_janitor_removals_total{region, resource}}: what the janitor removed. */
  public static final String JANITOR_REMOVALS = "precache_janitor_removals";
  /** The {@code failure_type} of builds that did not fail. */
  public static final String NO_FAILURE = "none";

  /** How a build ended. */
  public enum Outcome {
    SUCCEEDED, FAILED, CANCELLED, TIMED_OUT;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Scope scope;

  private BuildMetrics(Scope scope) {
    this.scope = scope;
  }

  /** In workflow code: the build's metrics, tagged with its region. */
  public static BuildMetrics forBuild(String region) {
    return new BuildMetrics(Workflow.getMetricsScope().tagged(Map.of("region", region)));
  }

  public void started() {
    scope.counter(BUILDS_STARTED).inc(1);
  }

  /** @param failureType the failure's type ({@link BuildFailures}), or {@link #NO_FAILURE} */
  public void finished(Outcome outcome, String failureType) {
    scope.tagged(Map.of("outcome", outcome.label(), "failure_type", failureType)).counter(BUILDS_FINISHED).inc(1);
  }

  public void upToDate() {
    scope.counter(BUILDS_UP_TO_DATE).inc(1);
  }

  public void stepCompleted(BuildStep step, Duration took) {
    scope.tagged(Map.of("step", label(step))).timer(STEP_DURATION).record(com.uber.m3.util.Duration.ofMillis(
        took.toMillis()));
  }

  public void snapshotCompleted(long bytes) {
    scope.counter(SNAPSHOT_BYTES).inc(bytes);
  }

  public void teardownFailed() {
    scope.counter(TEARDOWN_FAILURES).inc(1);
  }

  public void pulled(long bytes) {
    scope.counter(BYTES_PULLED).inc(bytes);
  }

  /**
   * For the janitor: {@code count} resources of a kind removed in a region, on the scope it runs in (its
   * workflow's or activity's).
   *
   * @param resource what was removed, e.g. {@code stack}, {@code snapshot}, {@code parameter}
   */
  public static void janitorRemoved(Scope scope, String region, String resource, long count) {
    scope.tagged(Map.of("region", region, "resource", resource)).counter(JANITOR_REMOVALS).inc(count);
  }

  /** A step as metrics and log lines name it: {@code pull_images}. */
  public static String label(BuildStep step) {
    return step.name().toLowerCase(Locale.ROOT);
  }
}
