package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CLI in its own process, as a user runs it, against a Temporal server on a loopback port: exit codes, what
 * goes to stdout and what to stderr, Ctrl-C as a SIGINT to the process.
 */
class CliProcessTest {
  private static final String IMAGES = "docker.io/library/nginx:1.27";
  private static final String SNAPSHOT = "snap-0123456789abcdef0";

  private static LoopbackTemporal temporal;
  private static Map<String, String> env;

  @BeforeAll
  static void startTemporal() throws Exception {
    temporal = new LoopbackTemporal(true);
    env = Map.of("TEMPORAL_ADDRESS", temporal.target(), "AWS_REGION", "us-west-2");
  }

  @AfterAll
  static void stopTemporal() throws Exception {
    temporal.close();
  }

  private static CliProcess.Run precache(String... args) throws InterruptedException {
    return CliProcess.run(env, args);
  }

  @Test
  void anUnreachableServerIsNamedWithItsNamespaceAndHowToStartOne() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Instant start = Instant.now();
    CliProcess.Run run = CliProcess.run(Map.of("TEMPORAL_ADDRESS", "127.0.0.1:" + closedPort), "status", "x");

    assertThat(run.exit()).as("%s", run).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines().toList().get(0))
        .startsWith("error: cannot reach the Temporal server at 127.0.0.1:" + closedPort + ", namespace default (");
    assertThat(run.err()).contains("Connection refused)", "precache worker --dev", "TEMPORAL_ADDRESS")
        .doesNotContain("workflowId=", "\tat ", "finishConnect");
    assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(9));
  }

  @Test
  void addressAndNamespaceFlagsOverrideTheEnvironment() throws Exception {
    CliProcess.Run run = CliProcess.run(Map.of("TEMPORAL_ADDRESS", "127.0.0.1:1"),
        "status", "--address", temporal.target(), "--namespace", "no-such-namespace", "x");

    assertThat(run.exit()).as("%s", run).isEqualTo(1);
    assertThat(run.err()).startsWith("error: no build x in namespace no-such-namespace on " + temporal.target());
  }

  @Test
  void unknownBuildIdsAreSaidToBeUnknownByStatusWatchAndCancel() throws Exception {
    for (String command : new String[] {"status", "watch", "cancel"}) {
      CliProcess.Run run = precache(command, "precache-nope-0");

      assertThat(run.exit()).as("%s %s", command, run).isEqualTo(1);
      assertThat(run.err()).as(command).startsWith(
          "error: no build precache-nope-0 in namespace default on " + temporal.target() + "\n  `precache list`");
      assertThat(run.out()).as(command).isEmpty();
    }
  }

  @Test
  void unregisteredSearchAttributesAreNamedWithTheCommandsThatRegisterThem() throws Exception {
    try (LoopbackTemporal bare = new LoopbackTemporal(false)) {
      CliProcess.Run run = CliProcess.run(Map.of("TEMPORAL_ADDRESS", bare.target()), "build", "-r", "us-west-2", IMAGES);

      assertThat(run.exit()).as("%s", run).isEqualTo(1);
      assertThat(run.err()).startsWith("error: search attribute Precache")
          .contains("is not registered in namespace default on " + bare.target(),
              "temporal operator search-attribute create --name PrecacheStatus --type Keyword",
              "temporal operator search-attribute create --name PrecacheImages --type KeywordList");
      assertThat(run.out()).doesNotContain("Started build");
    }
  }

  @Test
  void ctrlCDetachesAndSaysHowToFollowOrCancelTheBuildThatGoesOn() throws Exception {
    try (CliProcess build = CliProcess.start(env, "build", "--name", FakeSnapshotBuildWorkflow.SLOW_NAME, IMAGES)) {
      awaitOutput(build, "[1/9]");
      build.signal("INT");
      CliProcess.Run run = build.await();

      assertThat(run.exit()).as("%s", run).isEqualTo(130);
      String workflowId = run.outLines().get(0).split(" ")[2];
      assertThat(run.err()).contains("still running: precache watch " + workflowId + " / precache cancel " + workflowId);
      assertThat(temporal.client().newUntypedWorkflowStub(workflowId).describe().getStatus())
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
      temporal.client().newUntypedWorkflowStub(workflowId).cancel();
    }
  }

  @Test
  void ctrlCDuringWatchDetachesToo() throws Exception {
    String workflowId = precache("build", "--detach", "--name", FakeSnapshotBuildWorkflow.SLOW_NAME, "-A", "arm64,amd64",
        IMAGES).out().strip();
    try (CliProcess watch = CliProcess.start(env, "watch", workflowId)) {
      awaitOutput(watch, "[1/9]");
      watch.signal("INT");
      CliProcess.Run run = watch.await();

      assertThat(run.exit()).as("%s", run).isEqualTo(130);
      assertThat(run.err()).startsWith("watching " + workflowId + " on " + temporal.target() + " (namespace default)")
          .contains("still running: precache watch " + workflowId + " / precache cancel " + workflowId);
      assertThat(temporal.client().newUntypedWorkflowStub(workflowId).describe().getStatus())
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    } finally {
      temporal.client().newUntypedWorkflowStub(workflowId).cancel();
    }
  }

  @Test
  void ctrlCWithCancelOnInterruptCancelsAndWaitsForTheBuildToEnd() throws Exception {
    try (CliProcess build = CliProcess.start(env, "build", "--cancel-on-interrupt", "--name",
        FakeSnapshotBuildWorkflow.SLOW_NAME, "-A", "arm64", IMAGES)) {
      awaitOutput(build, "[1/9]");
      build.signal("INT");
      CliProcess.Run run = build.await();

      assertThat(run.exit()).as("%s", run).isEqualTo(1);
      String workflowId = run.outLines().get(0).split(" ")[2];
      assertThat(run.err()).contains("cancelling " + workflowId + "; waiting for its teardown")
          .contains("error: build cancelled at [").doesNotContain("still running");
      assertThat(temporal.client().newUntypedWorkflowStub(workflowId).describe().getStatus())
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
    }
  }

  @Test
  void ctrlCWhileConnectingSaysNoBuildWasStarted() throws Exception {
    // A port that accepts connections and never answers: connecting hangs until the CLI's own timeout.
    try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        CliProcess build = CliProcess.start(Map.of("TEMPORAL_ADDRESS", "127.0.0.1:" + silent.getLocalPort()),
            "build", "-r", "us-west-2", IMAGES)) {
      Thread.sleep(3_000);
      build.signal("INT");
      CliProcess.Run run = build.await();

      assertThat(run.exit()).as("%s", run).isEqualTo(130);
      assertThat(run.out()).isEmpty();
      assertThat(run.err().strip())
          .isEqualTo("interrupted while connecting to the Temporal server: no build was started");
    }
  }

  @Test
  void quietSendsProgressToStderrAndOnlyTheSnapshotIdToStdout() throws Exception {
    CliProcess.Run run = precache("build", "-q", "--name", "quiet", IMAGES);

    assertThat(run.exit()).as("%s", run).isZero();
    assertThat(run.out()).isEqualTo(SNAPSHOT + "\n");
    assertThat(run.err()).contains("Started build precache-quiet-", "[5/9] Pulling images",
        "All done! Created snapshot in us-west-2: " + SNAPSHOT);
  }

  @Test
  void detachPrintsOnlyTheWorkflowIdOnStdout() throws Exception {
    CliProcess.Run run = precache("build", "--detach", "--name", "detached", IMAGES);

    assertThat(run.exit()).as("%s", run).isZero();
    assertThat(run.outLines()).hasSize(1);
    assertThat(run.out()).startsWith("precache-detached-");
    assertThat(run.err()).startsWith("Started build " + run.out().strip() + " on " + temporal.target()
        + " (namespace default)");
  }

  @Test
  void jsonOutputOfBuildStatusAndListHasTheDocumentedShape() throws Exception {
    CliProcess.Run build = precache("build", "-o", "json", "--name", "json", "-op", "/precache/snap", IMAGES);

    assertThat(build.exit()).as("%s", build).isZero();
    JsonNode report = new ObjectMapper().readTree(build.out());
    assertThat(report.fieldNames()).toIterable().containsExactly(
        "workflowId", "state", "step", "pulls", "snapshotId", "snapshotPercent", "error", "retries", "volumeSizeGiB",
        "volumeUsage", "result", "volumePerformance", "instanceWarning", "incremental", "downloads");
    assertThat(report.get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(report.get("result").get("snapshotId").asText()).isEqualTo(SNAPSHOT);
    assertThat(report.get("result").get("publishedParameter").asText()).isEqualTo("/precache/snap");
    assertThat(report.get("result").get("images").get(0).get("image").asText()).isEqualTo(IMAGES);
    assertThat(build.err()).contains("[1/9]", "All done!");

    CliProcess.Run status = precache("status", "-o", "json", report.get("workflowId").asText());
    JsonNode statusReport = new ObjectMapper().readTree(status.out());
    assertThat(statusReport.get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(statusReport.get("result").get("snapshotId").asText()).isEqualTo(SNAPSHOT);
  }

  @Test
  void aFinishedBuildSaysWhatItBuiltAndWhereItPublishedIt() throws Exception {
    CliProcess.Run run = precache("build", "--name", "summary", "-s", "70", "-op", "/precache/snap", IMAGES);

    assertThat(run.exit()).as("%s", run).isZero();
    assertThat(run.out()).containsPattern("  1 image pull on a 70 GiB volume, built in \\d+s\n"
        + "  published " + SNAPSHOT + " to SSM parameter /precache/snap\n"
        + "All done! Created snapshot in us-west-2: " + SNAPSHOT + "\n$");
  }

  @Test
  void cancellingAFinishedBuildSaysItAlreadyEnded() throws Exception {
    String workflowId = precache("build", "--detach", "--name", "ended", IMAGES).out().strip();
    assertThat(precache("watch", workflowId).exit()).isZero();

    CliProcess.Run cancel = precache("cancel", workflowId);

    assertThat(cancel.exit()).as("%s", cancel).isEqualTo(1);
    assertThat(cancel.err()).startsWith("error: build " + workflowId + " already ended (SUCCEEDED)");
    assertThat(cancel.out()).doesNotContain("Cancellation requested");
  }

  @Test
  void usageErrorsAreOneLineInTheOneStyleAndExitTwo() throws Exception {
    CliProcess.Run badNumber = precache("build", "--parallelism", "many", IMAGES);
    assertThat(badNumber.exit()).as("%s", badNumber).isEqualTo(2);
    assertThat(badNumber.err()).startsWith("error: ").contains("--parallelism", "see `precache build --help`")
        .doesNotContain("option option", "Usage:");
    CliProcess.Run badTag = precache("build", "--tag", "novalue", IMAGES);
    assertThat(badTag.exit()).as("%s", badTag).isEqualTo(2);
    assertThat(badTag.err().strip()).isEqualTo("error: invalid --tag (expected KEY=VALUE, got 'novalue')");

    CliProcess.Run noRegion = CliProcess.run(Map.of("TEMPORAL_ADDRESS", temporal.target()), "build", IMAGES);
    assertThat(noRegion.exit()).as("%s", noRegion).isEqualTo(2);
    assertThat(noRegion.err()).startsWith("error: missing --region (").contains("AWS_REGION").doesNotContain("null");

    CliProcess.Run badStatus = precache("list", "--status", "done");
    assertThat(badStatus.exit()).as("%s", badStatus).isEqualTo(2);
    assertThat(badStatus.err()).startsWith("error: invalid value for option '--status' (expected one of RUNNING, "
        + "SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, got 'done')");
  }

  @Test
  void versionHelpAndCompletionCoverEveryCommand() throws Exception {
    assertThat(precache("--version").out()).startsWith("precache ");
    assertThat(precache("build", "--version").out()).startsWith("precache ");
    CliProcess.Run help = precache("--help");
    assertThat(help.out()).contains("build", "status", "watch", "cancel", "list", "schedule", "completion",
        "worker", "demo", "TEMPORAL_ADDRESS", "--address", "--namespace");
    assertThat(precache("build", "--help").out()).contains("bottlerocket/aws-k8s-1.", "x86_64", "--cancel-on-interrupt");
    CliProcess.Run completion = precache("completion");
    assertThat(completion.exit()).isZero();
    assertThat(completion.out()).contains("complete -F", "build", "--snapshot-size", "schedule");
  }

  @Test
  void underLangCTheMarksAreAscii() throws Exception {
    CliProcess.Run run = CliProcess.run(Map.of("TEMPORAL_ADDRESS", temporal.target(), "AWS_REGION", "us-west-2",
        "LANG", "C", "LC_ALL", "C"), "build", "--name", "ascii", IMAGES);

    assertThat(run.exit()).as("%s", run).isZero();
    assertThat(run.out()).contains("  ok " + IMAGES + " (linux/amd64) sha256:").doesNotContain("?", "✓");
  }

  @Test
  void theSameFlagsAfterTheBuildEndedStartANewBuildWithAnIdOfItsOwn() throws Exception {
    CliProcess.Run first = precache("build", "--name", "again", IMAGES);
    CliProcess.Run second = precache("build", "--name", "again", IMAGES);

    assertThat(first.exit()).as("%s", first).isZero();
    assertThat(second.exit()).as("%s", second).isZero();
    String firstId = first.outLines().get(0).split(" ")[2];
    assertThat(second.outLines().get(0)).startsWith("Started build " + firstId + "-2 on ");
  }

  @Test
  void onATerminalALiveLineShowsTheStepItsTimeAndTheSnapshotBarUnderTheLog() throws Exception {
    Map<String, String> terminal = new java.util.HashMap<>(env);
    terminal.put("TERM", "xterm");
    terminal.put("LANG", "C.UTF-8");
    CliProcess.Run run = CliProcess.runOnTerminal(terminal, "build", "--name", "tty", IMAGES);

    assertThat(run.exit()).as("%s", run).isZero();
    // Which steps a poll (every second) catches depends on when it falls; every live line has a step and its time.
    assertThat(run.out()).containsPattern("\r\033\\[K[|/\\\\-] \\[\\d/9] [^\r\n\033]* \\d+s")
        .contains("All done! Created snapshot in us-west-2: " + SNAPSHOT);
    // The log lines stay: each step once, on a line of its own (the live line starts with its spinner).
    assertThat(run.out().lines().map(line -> line.replace("\033[K", ""))
        .filter(line -> line.equals("[2/9] Deploying build instance stack"))).hasSize(1);
  }

  @Test
  void aRetryingStepShowsItsAttemptAndLastError() throws Exception {
    CliProcess.Run run = precache("build", "--name", FakeSnapshotBuildWorkflow.FLAKY_NAME, IMAGES);

    assertThat(run.exit()).as("%s", run).isZero();
    // Which attempts a poll (every second) sees depends on when it falls; the second or the third is seen.
    assertThat(run.out()).containsPattern("  retrying PullImage: attempt [23] of 3, last error: pull "
        + java.util.regex.Pattern.quote(IMAGES) + ": 429 Too Many Requests \\(attempt [12]\\)");
  }

  private static void awaitOutput(CliProcess cli, String text) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(30);
    while (!cli.outSoFar().contains(text)) {
      assertThat(Instant.now()).as("waiting for %s; stderr: %s", text, cli.errSoFar()).isBefore(deadline);
      Thread.sleep(50);
    }
  }
}
