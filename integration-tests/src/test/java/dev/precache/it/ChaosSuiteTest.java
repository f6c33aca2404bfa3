package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.RequestLog.Call;
import dev.precache.simulator.cloudformation.Stack;
import dev.precache.simulator.fault.Faults;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuilderActivities;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.BuildTimeouts;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chaos suite (issue 10): builds on the real Temporal dev server and the simulated cloud while the worker is
 * killed (SIGKILL) at each step, the server is killed, the build is cancelled at each step, one of two workers is
 * killed, or every EC2, SSM and CloudFormation call fails at a rate. One parameterized test per kind of fault.
 * Every case asserts that its builds completed with exactly one snapshot each holding every image × platform (or,
 * cancelled, ended CANCELED with none), one pull command per image × platform and build, and nothing left, and
 * adds a row of figures to the table ({@link ChaosFigures}). {@link ChaosSelection} decides which cases run.
 *
 * <p>Each case has a cloud (and workers) of its own, closed before the next starts: every worker polls the one
 * task queue, so a worker left over would run the next case's activities against the wrong cloud.
 */
@Tag("chaos")
class ChaosSuiteTest {
  @RegisterExtension
  @Order(1)
  static final TemporalDevServer temporal = new TemporalDevServer();
  private static final ChaosFigures figures = new ChaosFigures();

  /** CrashRecoveryTest's scale: the shortest activity of a build of {@link #LLAMA} runs for a few hundred ms. */
  private static final double TIME_SCALE = 0.02;
  /**
   * StormBenchmark's images (bench/api-storm): small builds, many calls. A fifth of its time scale, to be quick: the
   * suite asserts the builds complete and leave nothing; the bench measures how fast.
   */
  private static final double STORM_TIME_SCALE = 0.01;
  private static final List<String> STORM_IMAGES =
      List.of("docker.io/library/busybox:latest", "docker.io/library/nginx:1.27");
  private static final int STORM_BUILDS = 10;
  /** Each storm build's wait, after the previous one's. */
  private static final Duration STORM_FINISHED = Duration.ofMinutes(9);
  private static final List<String> STORM_SERVICES = List.of("ec2", "ssm", "cloudformation");

  private static final String LLAMA = CrashRecoveryTest.LLAMA;
  private static final String PLATFORM = "linux/amd64";
  private static final String REGION = "us-west-2";
  private static final Duration STEP_REACHED = Duration.ofSeconds(90);
  private static final Duration BUILD_FINISHED = Duration.ofMinutes(3);
  /** The server notices a dead worker when an attempt's heartbeat is this late; allow for the retry's backoff. */
  private static final Duration ATTEMPT_RETRIED = BuildTimeouts.HEARTBEAT.plusSeconds(30);
  /** As CancelDuringDeployEndToEndTest: longer than the AWS SDK's largest backoff between its own retries. */
  private static final Duration LONGER_THAN_SDK_BACKOFF = Duration.ofSeconds(25);

  /** The activities that run in each step; a kill or cancel "at a step" lands while one of them runs. */
  private static final Map<BuildStep, Set<String>> STEP_ACTIVITIES = Map.of(
      BuildStep.RESOLVE_IMAGES, Set.of("ResolveImages", "FindLatestSnapshot"),
      BuildStep.DEPLOY_STACK, Set.of("DeployStack"),
      BuildStep.AWAIT_SSM, Set.of("AwaitSsmOnline"),
      BuildStep.PREPARE_CONTAINERD, Set.of("StopKubeletAndRemoveImages"),
      BuildStep.PULL_IMAGES, Set.of("PullImage"),
      BuildStep.VERIFY_IMAGES, Set.of("VerifyResolvedImages"),
      BuildStep.STOP_INSTANCE, Set.of("StopInstance"),
      BuildStep.SNAPSHOT, Set.of("CreateSnapshot", "AwaitSnapshotCompleted"),
      // The stack's deletion starts during the snapshot and is over by now: the output parameter is what is left.
      BuildStep.CLEANUP, Set.of("PublishSnapshotId"));

  /** What holds a build in a step until {@link #release}: a call throttled every time, or a command held Pending. */
  private record Hold(String description, Consumer<Faults> apply) {
    static Hold throttled(String service, String operation) {
      return new Hold(service + " " + operation + " throttled",
          faults -> faults.addError(service, operation, "ThrottlingException", 1.0));
    }

    static Hold commandPending(String step) {
      return new Hold("\"" + step + "\" command held Pending",
          faults -> faults.holdCommandsCommented("^precache: " + Pattern.quote(step)));
    }

    @Override
    public String toString() {
      return description;
    }
  }

  /**
   * Steps that can pass between two looks at the server (SSM comes online 1 simulated second after the stack;
   * preparing containerd and verifying are one short command each; the output parameter is one call) are held there
   * from the build's start until the kill or cancel has landed: by throttling the call that ends them (the step's
   * activity rides out the throttling, or the AWS SDK retries it) or by keeping the step's command Pending. No earlier
   * step makes that call or command.
   */
  private static final Map<BuildStep, Hold> HOLDS = Map.of(
      BuildStep.AWAIT_SSM, Hold.throttled("ssm", "DescribeInstanceInformation"),
      BuildStep.PREPARE_CONTAINERD, Hold.commandPending("stop kubelet and remove cached images"),
      BuildStep.VERIFY_IMAGES, Hold.commandPending("verify content and measure the volume"),
      BuildStep.CLEANUP, Hold.throttled("ssm", "PutParameter"));

  private static final AtomicInteger builds = new AtomicInteger();
  private final List<String> started = new ArrayList<>();

  /** When the killed worker's successor starts. */
  enum Restart {
    /** The new worker is polling long before the server notices the dead one. */
    AFTER_1_S,
    /** Only once the server has timed out the killed attempt on its own clock and scheduled it again. */
    AFTER_HEARTBEAT_TIMEOUT
  }

  @AfterAll
  static void printTable() {
    System.out.print("chaos suite (" + (ChaosSelection.all() ? "all cases" : "this run's cases; worker killed at "
        + ChaosSelection.rotated()) + "):\n" + figures.table());
  }

  /** A case that failed must not leave its builds running for the next case's worker. */
  @AfterEach
  void terminateLeftoverBuilds() {
    for (String workflowId : started) {
      WorkflowStub build = temporal.client().newUntypedWorkflowStub(workflowId);
      if (build.describe().getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        build.terminate("chaos case over");
      }
    }
  }

  static Stream<Arguments> workerKills() {
    return Arrays.stream(BuildStep.values())
        .flatMap(step -> Arrays.stream(Restart.values()).map(restart -> Arguments.of(step, restart)));
  }

  @ParameterizedTest(name = "worker killed at {0}, restarted {1}")
  @MethodSource("workerKills")
  void workerKilledAtEachStep(BuildStep step, Restart restart) throws Exception {
    ChaosSelection.assumeWorkerKillRuns(step, restart);
    measure("worker kill", step + ", " + restart, () -> {
      try (SimulatedAws aws = SimulatedAws.started(TIME_SCALE)) {
        String workflowId;
        PendingActivityInfo killed;
        try (WorkerProcess first = WorkerProcess.start(temporal.target(), aws, InProcessWorker.AWS_POLL_INTERVAL)) {
          hold(aws, step);
          workflowId = startBuild(LLAMA);
          killed = awaitStep(workflowId, step);
          first.kill();
          release(aws);
        }
        if (restart == Restart.AFTER_HEARTBEAT_TIMEOUT) {
          PendingActivities.awaitRetried(temporal.client(), workflowId, killed, ATTEMPT_RETRIED);
        } else {
          Thread.sleep(1_000);
        }
        try (WorkerProcess second = WorkerProcess.start(temporal.target(), aws, InProcessWorker.AWS_POLL_INTERVAL)) {
          assertCompleted(aws, List.of(result(workflowId)), List.of(LLAMA));
          int attempt = finalAttempt(workflowId, killed);
          assertThat(attempt).as("attempts of %s, killed in attempt %d", killed.getActivityType().getName(),
              killed.getAttempt()).isGreaterThan(killed.getAttempt());
          return observed(aws, List.of(workflowId), List.of(LLAMA), "completed",
              "killed in " + killed.getActivityType().getName() + held(step) + ", done in attempt " + attempt);
        }
      }
    });
  }

  @ParameterizedTest(name = "server killed at {0}")
  @EnumSource(value = BuildStep.class, names = {"PULL_IMAGES", "SNAPSHOT"})
  void serverKilledAtPullAndSnapshot(BuildStep step) throws Exception {
    measure("server kill", step.toString(), () -> {
      try (SimulatedAws aws = SimulatedAws.started(TIME_SCALE);
          InProcessWorker worker = InProcessWorker.started(temporal, aws)) {
        WorkflowClient client = temporal.client();
        String workflowId = startBuild(LLAMA);
        String runId = client.newUntypedWorkflowStub(workflowId).describe().getExecution().getRunId();
        PendingActivityInfo running = awaitStep(workflowId, step);
        temporal.kill();
        Thread.sleep(1_000);
        temporal.restart();

        BuildResult result = client.newUntypedWorkflowStub(workflowId, Optional.of(runId), Optional.empty())
            .getResult(BUILD_FINISHED.toSeconds(), TimeUnit.SECONDS, BuildResult.class);
        assertCompleted(aws, List.of(result), List.of(LLAMA));
        assertThat(eventTypes(workflowId)).as("the same run finished")
            .containsOnlyOnce(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
            .endsWith(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
        return observed(aws, List.of(workflowId), List.of(LLAMA), "completed",
            "killed in " + running.getActivityType().getName() + ", same run finished");
      }
    });
  }

  /** Each step, and step 2 again with every CreateStack throttled (issue 10 item 0; as CancelDuringDeployEndToEndTest). */
  static Stream<Arguments> cancels() {
    return Stream.concat(Arrays.stream(BuildStep.values()).map(step -> Arguments.of(step, false)),
        Stream.of(Arguments.of(BuildStep.DEPLOY_STACK, true)));
  }

  @ParameterizedTest(name = "cancelled at {0}, CreateStack throttled: {1}")
  @MethodSource("cancels")
  void cancelAtEachStep(BuildStep step, boolean createStackThrottled) throws Exception {
    if (step == BuildStep.DEPLOY_STACK) {
      // demo's CancelDuringDeployEndToEndTest runs the race on every run.
      ChaosSelection.assumeWholeSuite("a cancel in the deploy waits out BuildTimeouts.STACK_CREATION_FENCE (45 s)");
    }
    measure("cancel", step + (createStackThrottled ? ", CreateStack throttled" : ""), () -> {
      try (SimulatedAws aws = SimulatedAws.started(TIME_SCALE);
          InProcessWorker worker = InProcessWorker.started(temporal, aws)) {
        Cloud cloud = aws.cloud();
        Cli cli = new Cli(temporal.client());
        if (createStackThrottled) {
          // Item 0's race is the build stack's: the shared builder stack, made first as `precache setup` makes it,
          // is not fenced, since a late creation of it is what the next build would make anyway.
          Cli.Run setup = cli.run("setup", "-r", REGION);
          assertThat(setup.exitCode()).as("%s", setup).isZero();
          cloud.faults().addError("cloudformation", "CreateStack", "Throttling", 1.0);
        } else {
          hold(aws, step);
        }
        String workflowId = startBuild(LLAMA);
        String where;
        if (createStackThrottled) {
          // The SDK sends a throttled call three times; a fourth comes from the activity asking again.
          awaitUntil("four throttled CreateStack calls", () -> createStackCalls(cloud).size() >= 4);
          where = createStackCalls(cloud).size() + " CreateStack calls throttled";
        } else {
          where = "in " + awaitStep(workflowId, step).getActivityType().getName() + held(step);
        }
        Cli.Run cancel = cli.run("cancel", workflowId);
        assertThat(cancel.exitCode()).as("%s", cancel).isZero();
        if (!createStackThrottled) {
          release(aws);
        }
        Cli.Run watched = cli.run("watch", workflowId);
        assertThat(watched.exitCode()).as("%s", watched).isEqualTo(1);
        // Publishing is the point of no return: a cancel that lands once it began undoes nothing.
        boolean tooLate = watched.err().contains("nothing was undone");
        assertThat(watched.err()).as("%s", watched)
            .contains("build cancelled at [" + step.number() + "/" + BuildStep.total() + "]")
            .contains(tooLate ? "; teardown done)" : "(teardown done)");
        assertThat(temporal.client().newUntypedWorkflowStub(workflowId).describe().getStatus())
            .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
        if (createStackThrottled) {
          int callsWhenClosed = createStackCalls(cloud).size();
          cloud.faults().clear();
          Thread.sleep(LONGER_THAN_SDK_BACKOFF.toMillis());
          assertThat(createStackCalls(cloud)).as("CreateStack calls after the build closed").hasSize(callsWhenClosed);
          assertThat(cloud.allStacks()).as("stacks ever created, deleted ones included")
              .extracting(Stack::name).containsExactly(BuilderActivities.STACK_NAME);
        }
        if (tooLate) {
          assertThat(step).as("where a cancel can be too late").isEqualTo(BuildStep.CLEANUP);
          assertThat(aws.snapshotIds()).as("the snapshot it published").hasSize(1);
        } else {
          assertThat(aws.snapshotIds()).as("snapshots of a cancelled build").isEmpty();
        }
        assertThat(aws.pullCommandIds(LLAMA)).as("pull commands sent")
            .hasSize(step.compareTo(BuildStep.PULL_IMAGES) >= 0 ? 1 : 0);
        aws.assertNothingLeft();
        return observed(aws, List.of(workflowId), List.of(LLAMA), "cancelled", where);
      }
    });
  }

  @ParameterizedTest(name = "two workers, the one running {0} killed")
  @EnumSource(value = BuildStep.class, names = {"DEPLOY_STACK", "PULL_IMAGES", "SNAPSHOT"})
  void twoWorkersOneKilled(BuildStep step) throws Exception {
    ChaosSelection.assumeWholeSuite("two workers wait out a heartbeat timeout, as the worker kill does");
    measure("two workers", step.toString(), () -> {
      try (SimulatedAws aws = SimulatedAws.started(TIME_SCALE);
          WorkerProcess one = WorkerProcess.start(temporal.target(), aws, InProcessWorker.AWS_POLL_INTERVAL);
          WorkerProcess other = WorkerProcess.start(temporal.target(), aws, InProcessWorker.AWS_POLL_INTERVAL)) {
        String workflowId = startBuild(LLAMA);
        PendingActivityInfo killed = awaitStep(workflowId, step);
        WorkerProcess holder = Stream.of(one, other)
            .filter(worker -> killed.getLastWorkerIdentity().startsWith(worker.pid() + "@"))
            .findFirst().orElseThrow(() -> new AssertionError("neither worker runs " + killed));
        holder.kill();

        assertCompleted(aws, List.of(result(workflowId)), List.of(LLAMA));
        int attempt = finalAttempt(workflowId, killed);
        assertThat(attempt).as("attempts of %s", killed.getActivityType().getName()).isGreaterThan(killed.getAttempt());
        return observed(aws, List.of(workflowId), List.of(LLAMA), "completed", "killed the worker in "
            + killed.getActivityType().getName() + ", the other finished it in attempt " + attempt);
      }
    });
  }

  /** Rate 0 is the quiet baseline the storms are compared with (bench/api-storm measures the same). */
  @ParameterizedTest(name = "{0} of RequestLimitExceeded + InternalError on every call, 10 builds")
  @ValueSource(doubles = {0.0, 0.3, 0.5})
  void apiStorm(double rate) throws Exception {
    if (rate != 0.3) {
      ChaosSelection.assumeWholeSuite("the quiet baseline and the stronger storm");
    }
    measure("api storm", STORM_BUILDS + " builds, rate " + rate + " + " + rate, () -> {
      try (SimulatedAws aws = SimulatedAws.started(STORM_TIME_SCALE);
          InProcessWorker worker = InProcessWorker.started(temporal, aws)) {
        Cloud cloud = aws.cloud();
        if (rate > 0) {
          for (String service : STORM_SERVICES) {
            cloud.faults().addError(service, Faults.ANY_OPERATION, "RequestLimitExceeded", rate);
            cloud.faults().addError(service, Faults.ANY_OPERATION, "InternalError", rate);
          }
        }
        List<String> workflowIds = new ArrayList<>();
        List<CompletableFuture<Double>> walls = new ArrayList<>();
        for (int i = 0; i < STORM_BUILDS; i++) {
          long start = System.nanoTime();
          String workflowId = startBuild(STORM_IMAGES.toArray(String[]::new));
          workflowIds.add(workflowId);
          walls.add(temporal.client().newUntypedWorkflowStub(workflowId).getResultAsync(BuildResult.class)
              .thenApply(result -> (System.nanoTime() - start) / 1e9));
        }
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < STORM_BUILDS; i++) {
          try {
            seconds.add(walls.get(i).get(STORM_FINISHED.toSeconds(), TimeUnit.SECONDS));
          } catch (TimeoutException stalled) {
            throw new AssertionError(workflowIds.get(i) + " not finished within " + STORM_FINISHED + "; pending: "
                + PendingActivities.summary(temporal.client(), workflowIds.get(i)), stalled);
          }
        }
        seconds.sort(null);
        List<Call> calls = cloud.requests().all();
        long refused = calls.stream().filter(call -> call.errorCode() != null).count();
        cloud.faults().clear();

        List<BuildResult> results = workflowIds.stream().map(this::result).toList();
        assertCompleted(aws, results, STORM_IMAGES);
        return observed(aws, workflowIds, STORM_IMAGES, STORM_BUILDS + "/" + STORM_BUILDS, String.format(
            Locale.ROOT, "median %.1f s, slowest %.1f s; %d of %d AWS calls refused",
            seconds.get(seconds.size() / 2), seconds.get(seconds.size() - 1), refused, calls.size()));
      }
    });
  }

  // --- the build and what it must have left

  /** {@code precache build --detach} of {@code images}, publishing to an output parameter so step 9 has work. */
  private String startBuild(String... images) {
    String name = "chaos-" + builds.incrementAndGet();
    Cli.Run run = new Cli(temporal.client()).run("build", "--detach", "--name", name, "-r", REGION,
        "-op", "/chaos/" + name, String.join(",", images));
    assertThat(run.exitCode()).as("%s", run).isZero();
    String workflowId = run.out().strip().lines().reduce((first, last) -> last).orElseThrow();
    started.add(workflowId);
    return workflowId;
  }

  /** Waits until the build runs one of {@code step}'s activities; at the pull, until it has heartbeated its command. */
  private PendingActivityInfo awaitStep(String workflowId, BuildStep step) throws InterruptedException {
    return PendingActivities.awaitStarted(temporal.client(), workflowId, STEP_ACTIVITIES.get(step),
        step == BuildStep.PULL_IMAGES, STEP_REACHED);
  }

  private BuildResult result(String workflowId) {
    try {
      return temporal.client().newUntypedWorkflowStub(workflowId)
          .getResult(BUILD_FINISHED.toSeconds(), TimeUnit.SECONDS, BuildResult.class);
    } catch (TimeoutException e) {
      throw new AssertionError(workflowId + " not finished within " + BUILD_FINISHED, e);
    }
  }

  private static void hold(SimulatedAws aws, BuildStep step) {
    Hold hold = HOLDS.get(step);
    if (hold != null) {
      hold.apply().accept(aws.cloud().faults());
    }
  }

  private static void release(SimulatedAws aws) {
    aws.cloud().faults().clear();
  }

  private static String held(BuildStep step) {
    return HOLDS.containsKey(step) ? " (held: " + HOLDS.get(step) + ")" : "";
  }

  /** One snapshot per build holding every image × platform, one pull command per image × platform, nothing left. */
  private static void assertCompleted(SimulatedAws aws, List<BuildResult> results, List<String> images) {
    assertThat(aws.snapshotIds()).as("snapshots")
        .containsExactlyInAnyOrderElementsOf(results.stream().map(BuildResult::snapshotId).toList());
    for (BuildResult result : results) {
      assertThat(aws.snapshotContents(result.snapshotId())).as("%s", result.snapshotId())
          .isEqualTo(SimulatedAws.imagesTimesPlatforms(images, List.of(PLATFORM)));
    }
    for (String image : images) {
      assertThat(aws.pullCommandIds(image)).as("pull commands sent for %s", image).hasSize(results.size());
    }
    aws.assertNothingLeft();
  }

  // --- figures

  private interface Case {
    ChaosFigures.Row run() throws Exception;
  }

  private static void measure(String kind, String name, Case chaosCase) throws Exception {
    long start = System.nanoTime();
    try {
      ChaosFigures.Row row = chaosCase.run();
      figures.add(new ChaosFigures.Row(kind, name, row.outcome(), (System.nanoTime() - start) / 1e9,
          row.activities(), row.attempts(), row.pullCommands(), row.snapshots(), row.note()));
    } catch (Exception | AssertionError failure) {
      figures.add(new ChaosFigures.Row(kind, name, "FAILED", (System.nanoTime() - start) / 1e9, 0, 0, 0, 0,
          String.valueOf(failure.getMessage()).lines().findFirst().orElse("")));
      throw failure;
    }
  }

  /** The figures of a case's builds: activities run to their end and the attempts they took, pulls, snapshots. */
  private ChaosFigures.Row observed(SimulatedAws aws, List<String> workflowIds, List<String> images, String outcome,
      String note) {
    List<HistoryEvent> started = workflowIds.stream()
        .flatMap(workflowId -> temporal.client().fetchHistory(workflowId).getEvents().stream())
        .filter(HistoryEvent::hasActivityTaskStartedEventAttributes)
        .toList();
    int attempts = started.stream().mapToInt(event -> event.getActivityTaskStartedEventAttributes().getAttempt()).sum();
    int pulls = images.stream().mapToInt(image -> aws.pullCommandIds(image).size()).sum();
    return new ChaosFigures.Row("", "", outcome, 0, started.size(), attempts, pulls, aws.snapshotIds().size(), note);
  }

  /** The attempt in which the activity the server showed as {@code attempt} ended, from the build's history. */
  private static int finalAttempt(String workflowId, PendingActivityInfo attempt) {
    List<HistoryEvent> events = temporal.client().fetchHistory(workflowId).getEvents();
    long scheduledEventId = events.stream()
        .filter(event -> event.hasActivityTaskScheduledEventAttributes()
            && event.getActivityTaskScheduledEventAttributes().getActivityId().equals(attempt.getActivityId()))
        .findFirst().orElseThrow().getEventId();
    return events.stream()
        .filter(event -> event.hasActivityTaskStartedEventAttributes()
            && event.getActivityTaskStartedEventAttributes().getScheduledEventId() == scheduledEventId)
        .findFirst().orElseThrow(() -> new AssertionError("no start of " + attempt.getActivityId() + " in history"))
        .getActivityTaskStartedEventAttributes().getAttempt();
  }

  private static List<EventType> eventTypes(String workflowId) {
    return temporal.client().fetchHistory(workflowId).getEvents().stream().map(HistoryEvent::getEventType).toList();
  }

  /** The build stacks' CreateStack calls: the builder stack's are left out. */
  private static List<Call> createStackCalls(Cloud cloud) {
    return cloud.requests().calls("cloudformation", "CreateStack").stream()
        .filter(call -> !BuilderActivities.STACK_NAME.equals(call.parameters().get("StackName"))).toList();
  }

  private static void awaitUntil(String what, BooleanSupplier condition)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(STEP_REACHED);
    while (!condition.getAsBoolean()) {
      assertThat(Instant.now()).as(what).isBefore(deadline);
      Thread.sleep(10);
    }
  }
}
