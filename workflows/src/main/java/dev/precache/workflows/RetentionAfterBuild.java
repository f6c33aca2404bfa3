package dev.precache.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * A build's last act with {@code --keep}: retention of its name in its region, once the build has succeeded. It
 * never fails the build: a retention that did not complete is a warning in the result.
 */
final class RetentionAfterBuild {

  private static final Logger log = Workflow.getLogger(RetentionAfterBuild.class);
  /** Builds from here on apply {@code keepSnapshots} once they succeed. */
  static final String CHANGE = "retention-after-build";

  private RetentionAfterBuild() {}

  static BuildResult applied(BuildRequest request, BuildResult result) {
    if (request.keepSnapshots() == null
        || Workflow.getVersion(CHANGE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return result;
    }
    List<String> regions = new ArrayList<>(List.of(request.region()));
    request.copies().forEach(copy -> regions.add(copy.region()));
    RetentionActivities activities = Workflow.newActivityStub(RetentionActivities.class, ActivityOptions
        .newBuilder(BuildTimeouts.RETENTION)
        .setSummary("keep the newest " + request.keepSnapshots() + " snapshots of " + request.name())
        .build());
    List<RetentionReport.Entry> entries = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    // Each region on its own: a copy counts among its region's snapshots of the name.
    for (String region : regions) {
      try {
        RetentionReport report = Retention.apply(
            new RetentionRequest(region, request.name(), request.keepSnapshots(), false), activities);
        entries.addAll(report.snapshots());
        log.info("retention in {}: kept {}, deleted {} snapshot(s) of {}", region,
            report.with(RetentionReport.Verdict.KEEP).size(), report.with(RetentionReport.Verdict.DELETED).size(),
            request.name());
      } catch (TemporalFailure failure) {
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        String warning = "retention of '" + request.name() + "' in " + region + " did not complete: "
            + (cause instanceof TemporalFailure temporal ? temporal.getOriginalMessage() : cause.getMessage())
            + "; `precache snapshots prune -r " + region + " --name " + request.name() + " --keep "
            + request.keepSnapshots() + "` retries";
        log.warn("{}", warning);
        warnings.add(warning);
      }
    }
    RetentionReport report = new RetentionReport(request.region(), request.keepSnapshots(), false, entries,
        warnings.isEmpty() ? null : String.join("; ", warnings));
    return result.withRetention(report);
  }
}
