package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.worker.LoopbackPorts;
import dev.precache.workflows.BuildMetrics;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The production worker's {@code /metrics} after builds on the simulated cloud (precache's series and the SDK's),
 * and its JSON log: every line of a build names the workflow, the build and the step, activities' lines too.
 */
class WorkerObservabilityTest {
  private static final String NGINX = "docker.io/library/nginx:1.27";
  private static final String NAME = "it-observed";
  private static final String REGION = "us-west-2";
  /** The scope reports counters every second (WorkerMetrics.REPORT_INTERVAL). */
  private static final Duration REPORTED = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Surefire runs tests in the module's directory. */
  private static final Path DASHBOARD = Path.of("../deploy/grafana/precache-worker.json");

  @RegisterExtension
  @Order(1)
  static final TemporalDevServer temporal = new TemporalDevServer();
  @RegisterExtension
  @Order(2)
  static final SimulatedAws aws = new SimulatedAws(0.005);

  @Test
  void metricsAfterBuildsCountThemByOutcomeAndLogLinesNameTheBuildAndStep() throws Exception {
    int port = LoopbackPorts.reserve();
    URI metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
    try (WorkerProcess worker = WorkerProcess.start(temporal.target(), aws, Duration.ofMillis(100),
        List.of("--metrics-port", String.valueOf(port), "--log-format", "json"))) {
      Cli cli = new Cli(temporal.client());
      JsonNode built = build(cli, 0, NGINX);
      JsonNode upToDate = build(cli, 0, NGINX);
      JsonNode failed = build(cli, 1, "docker.io/library/nginx:9.99");
      assertThat(upToDate.at("/result/upToDate").asBoolean()).as("%s", upToDate).isTrue();

      Map<String, String> region = Map.of("region", REGION);
      // The SDK counts a workflow's end after its last task completed: at the scope's next report, perhaps.
      Map<String, String> builds = Map.of("workflow_type", "SnapshotBuildWorkflow");
      PrometheusScrape scrape = awaitScrape(metrics, s -> s.sum("precache_builds_finished_total", Map.of()) >= 3
          && s.sum("temporal_workflow_completed_total", builds) >= 2
          && s.sum("temporal_workflow_failed_total", builds) >= 1);
      // Kept for a reader: the whole scrape after the three builds.
      Files.writeString(BuildDirectory.file("worker-metrics.txt"), scrape.text());
      Counted counted = new Counted(scrape);
      counted.assertSum("precache_builds_started_total", region, 3);
      counted.assertSum("precache_builds_finished_total", Map.of("region", REGION, "outcome", "succeeded",
          "failure_type", "none", "workflow_type", "SnapshotBuildWorkflow"), 2);
      counted.assertSum("precache_builds_finished_total", Map.of("region", REGION, "outcome", "failed",
          "failure_type", "ImageNotFound"), 1);
      counted.assertSum("precache_builds_up_to_date_total", region, 1);
      // Resolving completed in two builds (it failed the third: a failed step is not timed), the others in the first.
      counted.assertSum("precache_step_duration_seconds_count", Map.of("step", "resolve_images"), 2);
      for (String step : List.of("deploy_stack", "await_ssm", "prepare_containerd", "pull_images", "verify_images",
          "stop_instance", "snapshot", "cleanup")) {
        counted.assertSum("precache_step_duration_seconds_count", Map.of("step", step), 1);
        counted.assertSum("precache_step_duration_seconds_bucket", Map.of("step", step, "le", "+Inf"), 1);
      }
      assertThat(scrape.series("precache_step_duration_seconds_bucket", Map.of("step", "pull_images"))
          .stream().map(sample -> sample.labels().get("le")))
          .contains("1.0", "60.0", "1800.0", "14400.0", "+Inf");
      // The up-to-date build's images carry their resolved compressed sizes, as the pulls count them.
      long pulledBytes = 0;
      for (JsonNode image : upToDate.at("/result/images")) {
        pulledBytes += image.get("sizeBytes").asLong();
      }
      assertThat(pulledBytes).isPositive();
      counted.assertSum("precache_bytes_pulled_total", region, pulledBytes);
      long snapshotBytes = built.at("/result/volumeUsage/usedBytes").asLong();
      assertThat(snapshotBytes).isPositive();
      counted.assertSum("precache_snapshot_bytes_total", region, snapshotBytes);
      assertThat(scrape.series("precache_teardown_failures_total", Map.of())).isEmpty();
      // The SDK's own, through the same registry.
      assertThat(scrape.sum("temporal_workflow_completed_total", Map.of("workflow_type", "SnapshotBuildWorkflow")))
          .isEqualTo(2);
      assertThat(scrape.sum("temporal_workflow_failed_total", Map.of("workflow_type", "SnapshotBuildWorkflow")))
          .isEqualTo(1);
      assertThat(scrape.sum("temporal_activity_execution_latency_seconds_count",
          Map.of("activity_type", "PullImage"))).isEqualTo(1);

      assertDashboardQueriesKnownSeries(scrape);
      assertLogLinesNameBuildAndStep(worker, List.of(built, upToDate, failed));
    }
    aws.assertNothingLeft();
  }

  /**
   * Workflow code records metrics as it runs; a workflow task that fails after recording (the SDK's deadlock
   * detector on a cold, busy JVM) runs again and records again, so a series may count a workflow task failure's
   * worth more than the builds did: at most one multiple per failure the SDK reported.
   */
  private record Counted(PrometheusScrape scrape) {
    void assertSum(String name, Map<String, String> labels, double expected) {
      double failedTasks = scrape.sum("temporal_workflow_task_execution_failed_total",
          Map.of("workflow_type", "SnapshotBuildWorkflow"));
      double value = scrape.sum(name, labels);
      assertThat(value).as("%s%s (%s failed workflow tasks)", name, labels, failedTasks)
          .isGreaterThanOrEqualTo(expected);
      if (failedTasks == 0) {
        assertThat(value).as("%s%s", name, labels).isEqualTo(expected);
      } else {
        // Each failed task recorded its values once more, at most.
        assertThat(value).as("%s%s (%s failed workflow tasks)", name, labels, failedTasks)
            .isLessThanOrEqualTo(expected * (1 + failedTasks));
      }
    }
  }

  /**
   * Every series deploy/grafana's dashboard queries is in the scrape or, for those these builds do not produce
   * (teardown failures, janitor removals, failed polls), named by precache's or the SDK's constants.
   */
  private static void assertDashboardQueriesKnownSeries(PrometheusScrape scrape) throws Exception {
    String dashboard = Files.readString(DASHBOARD);
    Set<String> scraped = scrape.samples().stream().map(PrometheusScrape.Sample::name).collect(Collectors.toSet());
    Set<String> declared = new java.util.HashSet<>();
    for (Class<?> constants : List.of(BuildMetrics.class, io.temporal.worker.MetricsType.class,
        io.temporal.serviceclient.MetricsType.class)) {
      for (java.lang.reflect.Field field : constants.getFields()) {
        if (field.getType() == String.class && java.lang.reflect.Modifier.isStatic(field.getModifiers())) {
          declared.add((String) field.get(null));
        }
      }
    }
    Matcher names = Pattern.compile("\\b(?:precache|temporal|jvm)_[a-z_]+").matcher(dashboard);
    Set<String> queried = new java.util.TreeSet<>();
    while (names.find()) {
      queried.add(names.group());
    }
    assertThat(queried).contains("precache_builds_finished_total", "precache_teardown_failures_total",
        "temporal_workflow_task_schedule_to_start_latency_seconds_bucket");
    for (String name : queried) {
      String base = name.replaceFirst("(_seconds)?(_total|_bucket|_sum|_count)?$", "");
      assertThat(scraped.contains(name) || declared.contains(base)).as("the dashboard's %s", name).isTrue();
    }
  }

  /** Every line is JSON; every line of a build has its workflow ID, name and step; activities' lines too. */
  private static void assertLogLinesNameBuildAndStep(WorkerProcess worker, List<JsonNode> builds) throws Exception {
    Set<String> workflowIds = builds.stream().map(build -> build.get("workflowId").asText()).collect(Collectors.toSet());
    List<JsonNode> buildLines = new ArrayList<>();
    for (String line : Files.readAllLines(worker.log(), StandardCharsets.UTF_8)) {
      JsonNode event = JSON.readTree(line);
      assertThat(event.get("level")).as(line).isNotNull();
      if (workflowIds.contains(event.at("/mdc/WorkflowId").asText())) {
        buildLines.add(event);
        assertThat(event.at("/mdc/BuildName").asText()).as(line).isEqualTo(NAME);
        assertThat(event.at("/mdc/BuildStep").asText()).as(line).isNotEmpty();
      }
    }
    assertThat(buildLines.stream().map(event -> event.at("/mdc/BuildStep").asText())).contains("resolve_images",
        "pull_images", "snapshot", "teardown");
    assertThat(buildLines.stream().filter(event -> event.at("/mdc/ActivityType").asText().equals("PullImage"))
        .map(event -> event.at("/mdc/BuildStep").asText())).isNotEmpty().containsOnly("pull_images");
  }

  private static JsonNode build(Cli cli, int exitCode, String images) throws Exception {
    Cli.Run run = cli.run("build", "-r", REGION, "--name", NAME, "-o", "json", images);
    assertThat(run.exitCode()).as("%s", run).isEqualTo(exitCode);
    return JSON.readTree(run.out());
  }

  private static PrometheusScrape awaitScrape(URI endpoint, java.util.function.Predicate<PrometheusScrape> complete)
      throws Exception {
    Instant deadline = Instant.now().plus(REPORTED);
    PrometheusScrape scrape = PrometheusScrape.of(endpoint);
    while (!complete.test(scrape) && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
      scrape = PrometheusScrape.of(endpoint);
    }
    return scrape;
  }
}
