package dev.precache.starter;

import dev.precache.workflows.BuildSearchAttributes;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowExecutionMetadata;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Which builds {@code precache list} shows, as a Temporal visibility query, and how one is printed. Filters are
 * conditions joined with AND on top of the workflow type.
 */
final class BuildListing {
  static final String HEADER = String.format("%-50s %-11s %-17s %s", "ID", "STATUS", "STARTED (UTC)", "NAME / IMAGES");
  private static final DateTimeFormatter STARTED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  private final List<String> conditions = new ArrayList<>(List.of("WorkflowType='SnapshotBuildWorkflow'"));

  /** Adds one visibility-query condition, e.g. {@code PrecacheRegion='us-west-2'}. */
  BuildListing where(String condition) {
    conditions.add(condition);
    return this;
  }

  String query() {
    return String.join(" AND ", conditions);
  }

  static String row(WorkflowExecutionMetadata build) {
    var attributes = build.getTypedSearchAttributes();
    String name = attributes.get(BuildSearchAttributes.BUILD_NAME);
    List<String> images = attributes.get(BuildSearchAttributes.IMAGES);
    return String.format("%-50s %-11s %-17s %s / %s", build.getExecution().getWorkflowId(),
        statusName(build.getStatus()), STARTED.format(build.getStartTime()), name == null ? "-" : name,
        images == null ? "-" : String.join(",", images));
  }

  static String statusName(WorkflowExecutionStatus status) {
    return status.name().replace("WORKFLOW_EXECUTION_STATUS_", "");
  }
}
