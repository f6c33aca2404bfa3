package dev.precache.starter;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.BuildTimeouts;
import dev.precache.workflows.ImageIndex;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * How a build workflow is started, whether by {@code build} or by a schedule: task queue, run timeout, the
 * initial search attributes, and the static summary and details the Web UI shows for it.
 */
final class BuildWorkflowOptions {
  /**
   * Characters of the details' image list: Temporal refuses static details over 20,000 bytes
   * ({@code limit.userMetadataDetailsSize}); the rest of the details is under 1,000.
   */
  static final int DETAILS_IMAGES_MAX = 16_000;

  private BuildWorkflowOptions() {}

  /** Everything but the workflow ID, for a validated request. */
  static WorkflowOptions.Builder of(BuildRequest request) {
    return WorkflowOptions.newBuilder()
        .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE)
        .setWorkflowRunTimeout(request.timeout().plus(BuildTimeouts.TEARDOWN_ALLOWANCE))
        .setTypedSearchAttributes(searchAttributes(request).build())
        .setStaticSummary(summary(request))
        .setStaticDetails(details(request));
  }

  static SearchAttributes.Builder searchAttributes(BuildRequest request) {
    return SearchAttributes.newBuilder()
        .set(BuildSearchAttributes.STATUS, BuildSearchAttributes.Status.RUNNING.name())
        .set(BuildSearchAttributes.REGION, request.region())
        .set(BuildSearchAttributes.IMAGES, ImageIndex.of(request.images()))
        .set(BuildSearchAttributes.BUILD_NAME, request.name());
  }

  /**
   * One line: {@code precache build gpu-models: 5 images × 2 platforms → us-west-2}; a build left unnamed is
   * {@code precache build: …}.
   */
  static String summary(BuildRequest request) {
    String name = BuildRequestValidator.DEFAULT_NAME.equals(request.name()) ? "" : " " + request.name();
    return "precache build" + name + ": " + count(request.images().size(), "image") + " × "
        + count(request.platforms().size(), "platform") + " → " + request.region();
  }

  /** Markdown: what the build pulls, onto what; the image list is cut to fit {@link #DETAILS_IMAGES_MAX}. */
  static String details(BuildRequest request) {
    StringBuilder details = new StringBuilder("**Images**\n\n");
    List<String> images = request.images();
    for (int i = 0; i < images.size(); i++) {
      String line = "- `" + images.get(i) + "`\n";
      if (details.length() + line.length() > DETAILS_IMAGES_MAX) {
        details.append("- … and ").append(images.size() - i).append(" more\n");
        break;
      }
      details.append(line);
    }
    return details
        .append("\n**Platforms:** ").append(String.join(", ", request.platforms()))
        .append("  \n**Instance type:** ").append(request.instanceType())
        .append("  \n**Volume:** ")
        .append(request.volumeSizeGiB() == null ? "sized from the images" : request.volumeSizeGiB() + " GiB")
        .append(request.encrypt() ? ", encrypted" : "")
        .append("  \n**Timeout:** ").append(human(request.timeout()))
        .append("\n").toString();
  }

  /** {@code PT1H30M} → {@code 1h30m}. */
  static String human(Duration duration) {
    return duration.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
