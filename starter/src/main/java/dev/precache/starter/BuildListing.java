package dev.precache.starter;

import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.BuildSearchAttributes.Status;
import dev.precache.workflows.ImageIndex;
import dev.precache.workflows.ImageReference;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowExecutionMetadata;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Which builds {@code precache list} shows, as a Temporal visibility query over the builds' search attributes,
 * and how each is printed. Filters are conditions joined with AND on top of the workflow type.
 */
final class BuildListing {
  static final List<String> HEADER =
      List.of("WORKFLOW ID", "STATUS", "STARTED (UTC)", "REGION", "NAME", "SNAPSHOT", "IMAGES");
  /**
   * Servers whose visibility store cannot ORDER BY (SQL, as on the dev server) are asked for up to this many
   * matches, which are sorted here: their own order puts running builds first, then by close time.
   */
  static final int UNORDERED_SCAN_LIMIT = 1000;
  private static final String ORDER = " ORDER BY StartTime DESC";
  private static final DateTimeFormatter STARTED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  private final List<String> conditions = new ArrayList<>(List.of("WorkflowType = 'SnapshotBuildWorkflow'"));

  BuildListing status(Status status) {
    return where(BuildSearchAttributes.STATUS.getName(), status.name());
  }

  /** Builds whose workflow is still running, teardown included. */
  BuildListing running() {
    conditions.add("ExecutionStatus = 'Running'");
    return this;
  }

  BuildListing region(String region) {
    return where(BuildSearchAttributes.REGION.getName(), region);
  }

  /**
   * Builds that pulled {@code image}, spelled as the validator stores it ({@code nginx} is
   * {@code docker.io/library/nginx:latest}) or as its {@link ImageIndex#key} when the build's list was too long
   * to store whole; {@code =} on a keyword list matches any element.
   *
   * @throws IllegalArgumentException when {@code image} is no image reference
   */
  BuildListing image(String image) {
    String normalised = ImageReference.parse(image).toString();
    String attribute = BuildSearchAttributes.IMAGES.getName();
    conditions.add("(" + attribute + " = " + literal(normalised) + " OR " + attribute + " = "
        + literal(ImageIndex.key(normalised)) + ")");
    return this;
  }

  BuildListing name(String name) {
    return where(BuildSearchAttributes.BUILD_NAME.getName(), name);
  }

  BuildListing schedule(String scheduleId) {
    return where(BuildSearchAttributes.SCHEDULE_ID.getName(), scheduleId);
  }

  private BuildListing where(String attribute, String value) {
    conditions.add(attribute + " = " + literal(value));
    return this;
  }

  /** A single-quoted string literal of the visibility query language, which escapes with backslashes. */
  static String literal(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  String query() {
    return String.join(" AND ", conditions);
  }

  /** {@link #query()}, newest first. */
  String orderedQuery() {
    return query() + ORDER;
  }

  /**
   * The newest {@code limit} matches, newest first: ordered by the server where it can, else sorted here.
   *
   * @param list runs a visibility query, as {@code WorkflowClient::listExecutions} does
   */
  List<WorkflowExecutionMetadata> newest(Function<String, Stream<WorkflowExecutionMetadata>> list, int limit) {
    try {
      return list.apply(orderedQuery()).limit(limit).toList();
    } catch (StatusRuntimeException e) {
      if (!cannotOrder(e)) {
        throw e;
      }
    }
    return list.apply(query()).limit(UNORDERED_SCAN_LIMIT)
        .sorted(Comparator.comparing(WorkflowExecutionMetadata::getStartTime).reversed())
        .limit(limit)
        .toList();
  }

  private static boolean cannotOrder(StatusRuntimeException e) {
    String description = e.getStatus().getDescription();
    return e.getStatus().getCode() == Code.INVALID_ARGUMENT && description != null
        && description.toLowerCase(Locale.ROOT).contains("order by");
  }

  static List<String> row(WorkflowExecutionMetadata build) {
    var attributes = build.getTypedSearchAttributes();
    return List.of(build.getExecution().getWorkflowId(),
        BuildState.of(build.getStatus(), attributes.get(BuildSearchAttributes.STATUS)).name(),
        STARTED.format(build.getStartTime()),
        orDash(attributes.get(BuildSearchAttributes.REGION)),
        orDash(attributes.get(BuildSearchAttributes.BUILD_NAME)),
        orDash(attributes.get(BuildSearchAttributes.SNAPSHOT_ID)),
        abbreviated(attributes.get(BuildSearchAttributes.IMAGES)));
  }

  /** One build of {@code list -o json}: every key always present, null when unknown. */
  record Entry(String workflowId, BuildState state, String startTime, String closeTime, String region, String name,
               String snapshotId, List<String> images) {}

  static Entry entry(WorkflowExecutionMetadata build) {
    var attributes = build.getTypedSearchAttributes();
    return new Entry(build.getExecution().getWorkflowId(),
        BuildState.of(build.getStatus(), attributes.get(BuildSearchAttributes.STATUS)),
        build.getStartTime().toString(),
        build.getCloseTime() == null ? null : build.getCloseTime().toString(),
        attributes.get(BuildSearchAttributes.REGION),
        attributes.get(BuildSearchAttributes.BUILD_NAME),
        attributes.get(BuildSearchAttributes.SNAPSHOT_ID),
        attributes.get(BuildSearchAttributes.IMAGES) == null ? List.of() : attributes.get(BuildSearchAttributes.IMAGES));
  }

  /** {@code quay.io/org/modelcar-catalog:qwen3-8b} and four more → {@code modelcar-catalog:qwen3-8b +4}. */
  static String abbreviated(List<String> images) {
    if (images == null || images.isEmpty()) {
      return "-";
    }
    if (ImageIndex.isKey(images.get(0))) {
      return images.size() + " images";
    }
    String first = images.get(0).substring(images.get(0).lastIndexOf('/', indexOfTagOrDigest(images.get(0))) + 1);
    return images.size() == 1 ? first : first + " +" + (images.size() - 1);
  }

  /** Where the repository path ends: a tag's ':' or a digest's '@' (a registry port's ':' comes before a '/'). */
  private static int indexOfTagOrDigest(String image) {
    int at = image.indexOf('@');
    int end = at >= 0 ? at : image.length();
    int colon = image.lastIndexOf(':', end);
    return colon > image.lastIndexOf('/', end) ? colon : end;
  }

  private static String orDash(String value) {
    return value == null ? "-" : value;
  }
}
