package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** precache's metrics as the workflow records them, through the SDK's Micrometer reporter, for each way a build ends. */
class BuildMetricsWorkflowTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Scope metrics = new RootScopeBuilder().reporter(new MicrometerClientStatsReporter(registry))
      .reportEvery(com.uber.m3.util.Duration.ofMillis(10));

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension(metrics);

  private final FakeCloud cloud = new FakeCloud();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void releaseBlockedActivities() {
    release.countDown();
  }

  @Test
  void aBuildCountsItsStartItsSuccessAndEachStepItCompleted(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    cloud.register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "succeeds").build(FakeCloud.request());

    assertThat(awaitCount(() -> counter(BuildMetrics.BUILDS_FINISHED, "outcome", "succeeded", "failure_type", "none")))
        .isEqualTo(1);
    assertThat(counter(BuildMetrics.BUILDS_STARTED, "region", FakeCloud.REGION).count()).isEqualTo(1);
    assertThat(registry.find(BuildMetrics.BUILDS_UP_TO_DATE).counter()).isNull();
    for (BuildStep step : BuildStep.values()) {
      Timer timer = registry.find(BuildMetrics.STEP_DURATION).tags("step", BuildMetrics.label(step)).timer();
      assertThat(timer).as(step.name()).isNotNull();
      assertThat(timer.count()).as(step.name()).isEqualTo(1);
    }
    assertThat(awaitCount(() -> registry.find(BuildMetrics.BYTES_PULLED).tags("region", FakeCloud.REGION).counter()))
        .isPositive();
    assertThat(registry.find(BuildMetrics.TEARDOWN_FAILURES).counter()).isNull();
  }

  @Test
  void aTeardownPartThatFailsIsCountedBesideTheBuildsFailureAndItsType(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    doThrow(ApplicationFailure.newNonRetryableFailure("boom", BuildFailures.COMMAND_FAILED))
        .when(cloud.instance).pullImage(any());
    doThrow(ApplicationFailure.newNonRetryableFailure("stack refuses to go", BuildFailures.STACK_FAILED))
        .when(cloud.stack).deleteStack(any(), any());
    cloud.register(worker);
    env.start();

    catchThrowableOfType(WorkflowFailedException.class,
        () -> FakeCloud.newBuild(client, worker, "teardown-fails").build(FakeCloud.request()));

    assertThat(awaitCount(() -> counter(BuildMetrics.BUILDS_FINISHED, "outcome", "failed",
        "failure_type", BuildFailures.COMMAND_FAILED))).isEqualTo(1);
    assertThat(awaitCount(() -> counter(BuildMetrics.TEARDOWN_FAILURES, "region", FakeCloud.REGION))).isEqualTo(1);
  }

  @Test
  void aCancelledBuildIsCountedAsCancelled(TestWorkflowEnvironment env, WorkflowClient client, Worker worker)
      throws InterruptedException {
    CountDownLatch pulling = new CountDownLatch(1);
    doAnswer(call -> {
      pulling.countDown();
      release.await();
      return FakeCloud.cached(call.getArgument(0));
    }).when(cloud.instance).pullImage(any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "cancelled");
    WorkflowClient.start(build::build, FakeCloud.request());
    assertThat(pulling.await(30, TimeUnit.SECONDS)).isTrue();
    WorkflowStub stub = WorkflowStub.fromTyped(build);
    stub.cancel();
    catchThrowableOfType(WorkflowFailedException.class, () -> stub.getResult(BuildResult.class));

    assertThat(awaitCount(() -> counter(BuildMetrics.BUILDS_FINISHED, "outcome", "cancelled", "failure_type",
        BuildMetrics.NO_FAILURE))).isEqualTo(1);
    assertThat(registry.find(BuildMetrics.BUILDS_FINISHED).tags("outcome", "failed").counter()).isNull();
  }

  private Counter counter(String name, String... tags) {
    return registry.find(name).tags(tags).counter();
  }

  /** The scope hands counters to the registry every 10 ms: the counter's count once it is there. */
  private static double awaitCount(Supplier<Counter> counter) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    while (counter.get() == null && Instant.now().isBefore(deadline)) {
      Thread.onSpinWait();
    }
    assertThat(counter.get()).as("counter reported within 10 s").isNotNull();
    return counter.get().count();
  }
}
