package dev.precache.activities;

import static dev.precache.activities.ActivityTesting.FAST_POLL;
import static dev.precache.activities.ActivityTesting.OPTIONS;
import static dev.precache.activities.ActivityTesting.REGION;
import static dev.precache.activities.ActivityTesting.applicationFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.BuilderActivities;
import dev.precache.workflows.BuilderActivities.BuilderStack;
import dev.precache.workflows.BuilderActivities.Outcome;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.AlreadyExistsException;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.CreateStackRequest;
import software.amazon.awssdk.services.cloudformation.model.CreateStackResponse;
import software.amazon.awssdk.services.cloudformation.model.DeleteStackRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStackEventsRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStackEventsResponse;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksResponse;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.ResourceStatus;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.cloudformation.model.Tag;
import software.amazon.awssdk.services.cloudformation.model.UpdateStackRequest;

/** Each state the builder stack can be found in, and what ensure and delete do about it. */
class BuilderActivitiesImplTest {

  private static final String PROFILE = "precache-builder-InstanceProfile-ABC";

  private final CloudFormationClient cloudFormation = mock(CloudFormationClient.class);
  private final AwsClients clients = mock(AwsClients.class);
  private TestActivityEnvironment env;
  private BuilderActivities activities;

  @BeforeEach
  void setUp() {
    when(clients.cloudFormation(REGION)).thenReturn(cloudFormation);
    when(cloudFormation.describeStackEvents(any(DescribeStackEventsRequest.class))).thenReturn(
        DescribeStackEventsResponse.builder().stackEvents(StackEvent.builder().logicalResourceId("InstanceProfile")
            .resourceType("AWS::IAM::InstanceProfile").resourceStatus(ResourceStatus.CREATE_FAILED)
            .resourceStatusReason("iam:CreateInstanceProfile denied").build()).build());
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new BuilderActivitiesImpl(clients, FAST_POLL));
    activities = env.newActivityStub(BuilderActivities.class, OPTIONS);
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void aMissingStackIsCreatedTaggedWithItsVersionAndWaitedFor() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenThrow(doesNotExist())
        .thenReturn(stack(StackStatus.CREATE_IN_PROGRESS, 1), stack(StackStatus.CREATE_COMPLETE, 1));

    BuilderStack builder = activities.ensureBuilderStack(REGION);

    assertThat(builder).isEqualTo(new BuilderStack(REGION, "precache-builder", 1, PROFILE,
        "arn:aws:iam::123456789012:instance-profile/" + PROFILE, Outcome.CREATED));
    ArgumentCaptor<CreateStackRequest> create = ArgumentCaptor.forClass(CreateStackRequest.class);
    verify(cloudFormation).createStack(create.capture());
    assertThat(create.getValue().stackName()).isEqualTo("precache-builder");
    assertThat(create.getValue().templateBody()).contains("AWS::IAM::InstanceProfile")
        .doesNotContain("AWS::EC2::Instance");
    assertThat(create.getValue().parameters())
        .containsExactly(Parameter.builder().parameterKey("BuilderVersion").parameterValue("1").build());
    assertThat(create.getValue().tags()).containsExactly(Tag.builder().key("precache:component").value("builder")
        .build(), Tag.builder().key("precache:builder-version").value("1").build());
  }

  @Test
  void aCurrentStackIsFoundWithOneLook() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class)))
        .thenReturn(stack(StackStatus.UPDATE_COMPLETE, 1));

    assertThat(activities.ensureBuilderStack(REGION).outcome()).isEqualTo(Outcome.FOUND);
    verify(cloudFormation, times(1)).describeStacks(any(DescribeStacksRequest.class));
    verify(cloudFormation, never()).createStack(any(CreateStackRequest.class));
    verify(cloudFormation, never()).updateStack(any(UpdateStackRequest.class));
  }

  @Test
  void anOlderStackIsUpdatedToThisVersion() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenReturn(
        stack(StackStatus.CREATE_COMPLETE, 0), stack(StackStatus.UPDATE_IN_PROGRESS, 0),
        stack(StackStatus.UPDATE_COMPLETE, 1));

    BuilderStack builder = activities.ensureBuilderStack(REGION);

    assertThat(builder.outcome()).isEqualTo(Outcome.UPDATED);
    assertThat(builder.version()).isEqualTo(1);
    ArgumentCaptor<UpdateStackRequest> update = ArgumentCaptor.forClass(UpdateStackRequest.class);
    verify(cloudFormation).updateStack(update.capture());
    assertThat(update.getValue().tags()).contains(Tag.builder().key("precache:builder-version").value("1").build());
  }

  @Test
  void aStackAnotherBuildIsCreatingIsWaitedForNotCreatedAgain() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenThrow(doesNotExist())
        .thenReturn(stack(StackStatus.CREATE_IN_PROGRESS, 1), stack(StackStatus.CREATE_COMPLETE, 1));
    when(cloudFormation.createStack(any(CreateStackRequest.class)))
        .thenThrow(AlreadyExistsException.builder().message("Stack [precache-builder] already exists").build());

    BuilderStack builder = activities.ensureBuilderStack(REGION);

    assertThat(builder.outcome()).isEqualTo(Outcome.FOUND);
    assertThat(builder.instanceProfileName()).isEqualTo(PROFILE);
    verify(cloudFormation, times(1)).createStack(any(CreateStackRequest.class));
  }

  @Test
  void anEarlierFailedCreationIsDeletedAndMadeAgain() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenReturn(
            stack(StackStatus.ROLLBACK_COMPLETE, 1), stack(StackStatus.DELETE_IN_PROGRESS, 1))
        .thenThrow(doesNotExist(), doesNotExist())
        .thenReturn(stack(StackStatus.CREATE_COMPLETE, 1));

    assertThat(activities.ensureBuilderStack(REGION).outcome()).isEqualTo(Outcome.CREATED);
    verify(cloudFormation).deleteStack(any(DeleteStackRequest.class));
    verify(cloudFormation).createStack(any(CreateStackRequest.class));
  }

  @Test
  void aCreationOfItsOwnThatRollsBackFailsWithTheResourcesReason() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenThrow(doesNotExist())
        .thenReturn(stack(StackStatus.ROLLBACK_COMPLETE, 1));

    ApplicationFailure failure = applicationFailure(catchThrowable(() -> activities.ensureBuilderStack(REGION)));

    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getType()).isEqualTo(BuildFailures.STACK_FAILED);
    assertThat(failure.getOriginalMessage()).isEqualTo("builder stack precache-builder in us-west-2 could not be "
        + "created: InstanceProfile (AWS::IAM::InstanceProfile): iam:CreateInstanceProfile denied");
    verify(cloudFormation, never()).deleteStack(any(DeleteStackRequest.class));
  }

  @Test
  void aStackStuckInAFailedStateIsLeftForAPersonWithAClearError() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class)))
        .thenReturn(stack(StackStatus.DELETE_FAILED, 1));

    ApplicationFailure failure = applicationFailure(catchThrowable(() -> activities.ensureBuilderStack(REGION)));

    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).startsWith("builder stack precache-builder in us-west-2 is DELETE_FAILED")
        .endsWith("fix or delete it (precache setup --delete -r us-west-2) and build again");
    verify(cloudFormation, never()).createStack(any(CreateStackRequest.class));
    verify(cloudFormation, never()).deleteStack(any(DeleteStackRequest.class));
  }

  @Test
  void deleteRemovesTheStackAndWaitsUntilItIsGone() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenReturn(
        stack(StackStatus.CREATE_COMPLETE, 1), stack(StackStatus.DELETE_IN_PROGRESS, 1),
        stack(StackStatus.DELETE_COMPLETE, 1));

    BuilderStack deleted = activities.deleteBuilderStack(REGION);

    assertThat(deleted).isEqualTo(new BuilderStack(REGION, "precache-builder", 1, null, null, Outcome.DELETED));
    verify(cloudFormation).deleteStack(DeleteStackRequest.builder().stackName("precache-builder").build());
    verify(cloudFormation, times(3)).describeStacks(any(DescribeStacksRequest.class));
  }

  @Test
  void deletingAMissingStackSaysSoAndAsksNothingElse() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenThrow(doesNotExist());

    assertThat(activities.deleteBuilderStack(REGION).outcome()).isEqualTo(Outcome.ABSENT);
    verify(cloudFormation, never()).deleteStack(any(DeleteStackRequest.class));
  }

  /**
   * Builds one worker runs, waiting for the stack together, share one look in flight: the others wait for its answer,
   * heartbeating, and one of them cancelled meanwhile leaves at once while the rest get the answer.
   */
  @Test
  void waitersOnOneWorkerShareALookInFlightAndCanBeCancelledMeanwhile() throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenAnswer(call -> {
      answer.await(20, TimeUnit.SECONDS);
      return stack(StackStatus.CREATE_COMPLETE, 1);
    });
    try (ConcurrentBuilds builds = new ConcurrentBuilds(4)) {
      // The first build's look is in flight; the others wait for it, which they heartbeat.
      builds.awaitOthersHeartbeating("FOUND");
      builds.environments.get(3).requestCancelActivity();
      Throwable cancelled = catchThrowable(() -> builds.ensured.get(3).get(10, TimeUnit.SECONDS));
      answer.countDown();

      assertThat(cancelled).hasRootCauseInstanceOf(CanceledFailure.class);
      for (Future<BuilderStack> build : builds.ensured.subList(0, 3)) {
        assertThat(build.get(10, TimeUnit.SECONDS).instanceProfileName()).isEqualTo(PROFILE);
      }
      verify(cloudFormation, times(1)).describeStacks(any(DescribeStacksRequest.class));
    } finally {
      answer.countDown();
    }
  }

  /** Builds that found the stack missing together ask for it once: one creates it, the others wait for it. */
  @Test
  void waitersOnOneWorkerThatFoundItMissingTogetherCreateItOnce() throws Exception {
    CountDownLatch looked = new CountDownLatch(1);
    CountDownLatch created = new CountDownLatch(1);
    AtomicInteger looks = new AtomicInteger();
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenAnswer(call -> {
      if (looks.getAndIncrement() == 0) {
        looked.await(20, TimeUnit.SECONDS);
        throw doesNotExist();
      }
      return stack(StackStatus.CREATE_COMPLETE, 1);
    });
    when(cloudFormation.createStack(any(CreateStackRequest.class))).thenAnswer(call -> {
      created.await(20, TimeUnit.SECONDS);
      return CreateStackResponse.builder().stackId("arn:aws:cloudformation:us-west-2:123456789012:stack/b/1").build();
    });
    try (ConcurrentBuilds builds = new ConcurrentBuilds(3)) {
      builds.awaitOthersHeartbeating("FOUND");
      looked.countDown();
      verify(cloudFormation, timeout(10_000)).createStack(any(CreateStackRequest.class));
      builds.awaitOthersHeartbeating("CreateStack");
      created.countDown();

      List<Outcome> outcomes = new ArrayList<>();
      for (Future<BuilderStack> build : builds.ensured) {
        outcomes.add(build.get(10, TimeUnit.SECONDS).outcome());
      }
      assertThat(outcomes).containsExactlyInAnyOrder(Outcome.CREATED, Outcome.FOUND, Outcome.FOUND);
      verify(cloudFormation, times(1)).createStack(any(CreateStackRequest.class));
    } finally {
      looked.countDown();
      created.countDown();
    }
  }

  /**
   * A build that found the stack missing by a look older than another build's CreateStack looks again instead of
   * asking for it a second time, however long ago that CreateStack was made.
   */
  @Test
  void aLookOlderThanThisWorkersCreateStackLooksAgainInsteadOfCreating() throws Exception {
    CountDownLatch secondLook = new CountDownLatch(1);
    AtomicInteger looks = new AtomicInteger();
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenAnswer(call -> {
      int look = looks.incrementAndGet();
      if (look == 1) {
        throw doesNotExist();
      }
      if (look == 2) {
        secondLook.await(20, TimeUnit.SECONDS);
      }
      return stack(StackStatus.CREATE_COMPLETE, 1);
    });
    // A fifth of 5 s: the first look's answer still serves the second build when it comes.
    BuilderActivitiesImpl oneWorker = new BuilderActivitiesImpl(clients, Duration.ofSeconds(5));
    TestActivityEnvironment first = TestActivityEnvironment.newInstance();
    TestActivityEnvironment second = TestActivityEnvironment.newInstance();
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      first.registerActivitiesImplementations(oneWorker);
      second.registerActivitiesImplementations(oneWorker);
      BuilderActivities firstBuild = first.newActivityStub(BuilderActivities.class, OPTIONS);
      Future<BuilderStack> created = thread.submit(() -> firstBuild.ensureBuilderStack(REGION));
      // The first build found it missing, created it and now looks again.
      verify(cloudFormation, timeout(10_000).times(2)).describeStacks(any(DescribeStacksRequest.class));

      BuilderStack found = second.newActivityStub(BuilderActivities.class, OPTIONS).ensureBuilderStack(REGION);
      secondLook.countDown();

      assertThat(found.outcome()).isEqualTo(Outcome.FOUND);
      assertThat(created.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.CREATED);
      verify(cloudFormation, times(1)).createStack(any(CreateStackRequest.class));
      verify(cloudFormation, times(3)).describeStacks(any(DescribeStacksRequest.class));
    } finally {
      secondLook.countDown();
      thread.shutdownNow();
      first.close();
      second.close();
    }
  }

  /**
   * Concurrent ensureBuilderStack calls to one worker's activities, each in an environment of its own (one runs
   * its activities one at a time), the first started before the others.
   */
  private final class ConcurrentBuilds implements AutoCloseable {
    final List<TestActivityEnvironment> environments = new ArrayList<>();
    final List<List<Object>> heartbeats = new ArrayList<>();
    final List<Future<BuilderStack>> ensured = new ArrayList<>();
    private final ExecutorService threads;

    ConcurrentBuilds(int builds) {
      BuilderActivitiesImpl oneWorker = new BuilderActivitiesImpl(clients, FAST_POLL);
      threads = Executors.newFixedThreadPool(builds);
      for (int i = 0; i < builds; i++) {
        TestActivityEnvironment environment = TestActivityEnvironment.newInstance();
        environment.registerActivitiesImplementations(oneWorker);
        List<Object> details = new CopyOnWriteArrayList<>();
        environment.setActivityHeartbeatListener(Object.class, details::add);
        environments.add(environment);
        heartbeats.add(details);
        // Heartbeats reach Temporal at most every 0.8 heartbeat timeouts, and so does a cancel: 1.6 s here.
        BuilderActivities stub = environment.newActivityStub(BuilderActivities.class,
            ActivityOptions.newBuilder(OPTIONS).setHeartbeatTimeout(Duration.ofSeconds(2)).build());
        ensured.add(threads.submit(() -> stub.ensureBuilderStack(REGION)));
        if (i == 0) {
          verify(cloudFormation, timeout(10_000).atLeastOnce()).describeStacks(any(DescribeStacksRequest.class));
        }
      }
    }

    /** Until every build but the first has heartbeated {@code details}: they wait for the first's call. */
    void awaitOthersHeartbeating(Object details) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!heartbeats.subList(1, heartbeats.size()).stream().allMatch(beats -> beats.contains(details))) {
        assertThat(System.nanoTime()).as("the others heartbeat %s: %s", details, heartbeats).isLessThan(deadline);
        Thread.sleep(10);
      }
    }

    @Override
    public void close() {
      threads.shutdownNow();
      environments.forEach(TestActivityEnvironment::close);
    }
  }

  /** An answer a fifth of the poll interval old serves the next caller; an older one is asked again. */
  @Test
  void aFreshAnswerServesTheNextCallerAndAnOlderOneIsReadAgain() throws Exception {
    Duration interval = Duration.ofSeconds(5);
    TestActivityEnvironment slowPolls = TestActivityEnvironment.newInstance();
    slowPolls.registerActivitiesImplementations(new BuilderActivitiesImpl(clients, interval));
    BuilderActivities slow = slowPolls.newActivityStub(BuilderActivities.class, OPTIONS);
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class)))
        .thenReturn(stack(StackStatus.CREATE_COMPLETE, 1));
    long start = System.nanoTime();
    long secondEnded;
    try {
      slow.ensureBuilderStack(REGION);
      slow.ensureBuilderStack(REGION);
      secondEnded = System.nanoTime();
      Thread.sleep(interval.dividedBy(5).toMillis() + 100);
      slow.ensureBuilderStack(REGION);
    } finally {
      slowPolls.close();
    }

    // Only meaningful when the second came within the freshness of the first's look, as it does unless starved.
    assertThat(Duration.ofNanos(secondEnded - start)).isLessThan(interval.dividedBy(5));
    verify(cloudFormation, times(2)).describeStacks(any(DescribeStacksRequest.class));
  }

  private static DescribeStacksResponse stack(StackStatus status, int version) {
    Stack.Builder stack = Stack.builder()
        .stackId("arn:aws:cloudformation:us-west-2:123456789012:stack/precache-builder/1")
        .stackName("precache-builder")
        .stackStatus(status)
        .outputs(Output.builder().outputKey("InstanceProfileName").outputValue(PROFILE).build(),
            Output.builder().outputKey("InstanceProfileArn")
                .outputValue("arn:aws:iam::123456789012:instance-profile/" + PROFILE).build());
    if (version > 0) {
      stack.tags(Tag.builder().key("precache:component").value("builder").build(),
          Tag.builder().key("precache:builder-version").value(String.valueOf(version)).build());
    }
    return DescribeStacksResponse.builder().stacks(stack.build()).build();
  }

  private static CloudFormationException doesNotExist() {
    return (CloudFormationException) CloudFormationException.builder()
        .statusCode(400)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ValidationError")
            .errorMessage("Stack with id precache-builder does not exist").build())
        .build();
  }
}
