package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;

import dev.precache.workflows.StackActivities.StackSpec;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.NonDeterministicException;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replays recorded histories, so a change to the workflow that would break builds running while it is deployed
 * fails here. Each history was recorded by the workflow of its time and is kept as it was: the happy path from
 * before images were resolved first (eight steps, no version marker) and of the current shape, and a failed deploy
 * from before and after teardown fenced off late deploy attempts. Record the current shapes after an intended,
 * versioned change with
 * {@code mvn -o -pl workflows test -Dtest=SnapshotBuildReplayTest -Dprecache.recordHistory=true}, keeping the
 * older histories.
 */
class SnapshotBuildReplayTest {

  /** Recorded before the resolve step existed: replays through {@code Workflow.getVersion}'s default branch. */
  private static final String HISTORY = "histories/happy-path.json";
  /** Recorded before teardown waited out a deploy attempt that might still create the stack. */
  private static final String DEPLOY_FAILED_UNFENCED = "histories/deploy-failed-unfenced.json";
  /** The same failure since: teardown deletes the stack again once no deploy attempt can create it. */
  private static final String DEPLOY_FAILED_FENCED = "histories/deploy-failed-fenced.json";
  /** Resolved first, before the builder stack and the instance type lookup (neither marker). */
  private static final String RESOLVED_HISTORY = "histories/happy-path-resolved.json";
  /** Since the deploy step ensures the builder stack first ({@code builder-stack} version 1). */
  private static final String BUILDER_STACK_HISTORY = "histories/happy-path-builder-stack.json";
  /** Since the resolve step describes the instance type; the stack gets the chosen volume performance. */
  private static final String FITTED_HISTORY = "histories/happy-path-fitted.json";
  /**
   * Since, besides the two above: the stack is deleted while the snapshot completes, and pulls start largest
   * first, as many as the plan chose ({@code teardown-during-snapshot}, {@code pull-schedule}).
   */
  private static final String FAST_BY_DEFAULT_HISTORY = "histories/happy-path-fast-by-default.json";
  /**
   * A cancel that arrived while the snapshot was being published ({@code cancel-after-publish}): publishing
   * completed, nothing was undone, and Temporal recorded the run as cancelled.
   */
  private static final String CANCEL_AFTER_PUBLISH_HISTORY = "histories/cancel-after-publish.json";
  /**
   * A build with {@code --fast-restore} in two zones ({@code fast-restore} version 1): FSR enabled and waited for
   * before publishing, then disabled on the snapshot it supersedes.
   */
  private static final String FAST_RESTORE_HISTORY = "histories/fast-restore.json";
  /** A build with {@code --verify}: its snapshot restored on a probe per architecture before publishing. */
  private static final String VERIFIED_HISTORY = "histories/happy-path-verified.json";
  /**
   * A build with {@code --verify} whose probes also read a sample of the restored volume ({@code verify-read-sample}
   * version 1) to measure how fast a new node reads its images.
   */
  private static final String VERIFIED_SAMPLED_HISTORY = "histories/happy-path-verified-sampled.json";
  /**
   * An incremental rebuild ({@code incremental-rebuild} version 1): the volume from the previous snapshot, the
   * images no longer wanted removed instead of all, the parent recorded on the snapshot.
   */
  private static final String INCREMENTAL_HISTORY = "histories/incremental-rebuild.json";
  /** A build of the validator's maximum 200 pulls, its images indexed by key ({@link ImageIndex}). */
  private static final String INDEXED_HISTORY = "histories/max-pulls-indexed.json";
  /** Recorded after {@code least-privilege-tags}: the snapshot is tagged published before -op is written. */
  private static final String PUBLISHED_TAG_HISTORY = "histories/happy-path-published-tag.json";
  /** Since each pull is handed its resolved layers, to heartbeat how far it is ({@code pull-progress} version 1). */
  private static final String PULL_PROGRESS_HISTORY = "histories/happy-path-pull-progress.json";
  /** Since parallel pulls go client-side, {@code ctr images pull --local} ({@code client-side-pulls} version 1). */
  private static final String CLIENT_SIDE_PULLS_HISTORY = "histories/happy-path-client-side-pulls.json";
  /**
   * Since the stack tunes the instance's containerd transfer service and every pull goes through it
   * ({@code tuned-transfer-service} version 1).
   */
  private static final String TUNED_TRANSFER_SERVICE_HISTORY = "histories/happy-path-tuned-transfer-service.json";
  /** Since the tuned transfer service also unpacks in parallel on containerd 2.2 ({@code parallel-unpack} version 1). */
  private static final String PARALLEL_UNPACK_HISTORY = "histories/happy-path-parallel-unpack.json";
  /** Since step 4 stops kubelet and removes the cached images in one command ({@code one-prepare-command} version 1). */
  private static final String ONE_PREPARE_COMMAND_HISTORY = "histories/happy-path-one-prepare-command.json";

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  @Test
  void replaysTheRecordedHappyPath() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysABuildThatFailedDeployingItsStackBeforeTheFence() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(DEPLOY_FAILED_UNFENCED, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysABuildThatFailedDeployingItsStackAndWaitedOutLateAttempts() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(DEPLOY_FAILED_FENCED, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysTheRecordedHappyPathThatResolvedFirst() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(RESOLVED_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysTheRecordedHappyPathWithTheBuilderStack() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(BUILDER_STACK_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysTheRecordedHappyPathThatLookedUpTheInstanceType() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(FITTED_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void aWorkflowThatSkipsTheInstanceLookupCannotReplayTheFittedHistory() {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(FITTED_HISTORY,
        ChecksSsmFirst.class))
        .hasMessageContaining(NonDeterministicException.class.getName());
  }

  @Test
  void replaysABuildWhosePullsWereHandedTheirLayers() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(PULL_PROGRESS_HISTORY, SnapshotBuildWorkflowImpl.class);
    assertThat(changeIds(PULL_PROGRESS_HISTORY)).contains(ImagePulls.PULL_PROGRESS);
  }

  @Test
  void replaysABuildWhoseParallelPullsWentClientSide() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(CLIENT_SIDE_PULLS_HISTORY, SnapshotBuildWorkflowImpl.class);
    assertThat(changeIds(CLIENT_SIDE_PULLS_HISTORY)).contains(ImagePulls.CLIENT_SIDE_PULLS);
    assertThat(pullSpecs(CLIENT_SIDE_PULLS_HISTORY)).hasSize(4).allMatch(InstanceActivities.PullSpec::clientSide);
    // An older build's pulls, recorded without the field, read as through the transfer service.
    assertThat(pullSpecs(PULL_PROGRESS_HISTORY)).isNotEmpty().noneMatch(InstanceActivities.PullSpec::clientSide);
  }

  @Test
  void replaysABuildWhoseStackTunedTheTransferServiceForItsPulls() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(TUNED_TRANSFER_SERVICE_HISTORY,
        SnapshotBuildWorkflowImpl.class);
    assertThat(changeIds(TUNED_TRANSFER_SERVICE_HISTORY)).contains(SnapshotBuildWorkflowImpl.TUNED_TRANSFER_SERVICE);
    assertThat(stackSpecs(TUNED_TRANSFER_SERVICE_HISTORY)).extracting(StackSpec::pullTuning)
        .containsExactly(new PullTuning(25, 16 << 20, 0));
    assertThat(pullSpecs(TUNED_TRANSFER_SERVICE_HISTORY)).hasSize(4).noneMatch(InstanceActivities.PullSpec::clientSide);
    // A build recorded before the change, its spec without the field: containerd's defaults, pulls client-side.
    assertThat(stackSpecs(CLIENT_SIDE_PULLS_HISTORY)).extracting(StackSpec::pullTuning).containsOnlyNulls();
  }

  @Test
  void replaysABuildWhoseTransferServiceUnpacksInParallel() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(PARALLEL_UNPACK_HISTORY, SnapshotBuildWorkflowImpl.class);
    assertThat(changeIds(PARALLEL_UNPACK_HISTORY)).contains(SnapshotBuildWorkflowImpl.TUNED_TRANSFER_SERVICE,
        SnapshotBuildWorkflowImpl.PARALLEL_UNPACK);
    // The default AMI, aws-k8s-1.33, ships containerd 2.2: a permit for each of the 6 distinct layers the two images'
    // two platforms resolved to.
    assertThat(stackSpecs(PARALLEL_UNPACK_HISTORY)).extracting(StackSpec::pullTuning)
        .containsExactly(new PullTuning(25, 16 << 20, 6));
    // Recorded before the change, in order: the field absent, so containerd's default.
    assertThat(stackSpecs(TUNED_TRANSFER_SERVICE_HISTORY)).extracting(StackSpec::pullTuning)
        .noneMatch(PullTuning::parallelUnpack);
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordTheHappyPathWhoseTransferServiceUnpacksInParallel(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) throws IOException {
    new FakeCloud().register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-parallel-unpack").build(FakeCloud.request());

    String history = client.fetchHistory("happy-path-parallel-unpack").toJson(true);
    Files.writeString(Path.of("src/test/resources", PARALLEL_UNPACK_HISTORY), history);
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordTheHappyPathWithATunedTransferService(TestWorkflowEnvironment env, WorkflowClient client, Worker worker)
      throws IOException {
    new FakeCloud().register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-tuned-transfer-service").build(FakeCloud.request());

    String history = client.fetchHistory("happy-path-tuned-transfer-service").toJson(true);
    Files.writeString(Path.of("src/test/resources", TUNED_TRANSFER_SERVICE_HISTORY), history);
  }

  private static List<StackSpec> stackSpecs(String resource) throws IOException {
    return scheduledInputs(resource, "DeployStack", StackSpec.class);
  }

  private static List<InstanceActivities.PullSpec> pullSpecs(String resource) throws IOException {
    return scheduledInputs(resource, "PullImage", InstanceActivities.PullSpec.class);
  }

  /** The first argument of each {@code activityType} the history scheduled, as the workflow sent it. */
  private static <T> List<T> scheduledInputs(String resource, String activityType, Class<T> type) throws IOException {
    return history(resource).getEvents().stream()
        .filter(HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .map(HistoryEvent::getActivityTaskScheduledEventAttributes)
        .filter(scheduled -> scheduled.getActivityType().getName().equals(activityType))
        .map(scheduled -> DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(0, Optional.of(scheduled.getInput()),
            type, type))
        .toList();
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordTheHappyPathWhoseParallelPullsGoClientSide(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) throws IOException {
    new FakeCloud().register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-client-side-pulls").build(FakeCloud.request());

    String history = client.fetchHistory("happy-path-client-side-pulls").toJson(true);
    Files.writeString(Path.of("src/test/resources", CLIENT_SIDE_PULLS_HISTORY), history);
  }

  @Test
  void replaysABuildThatPreparedContainerdInOneCommand() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(ONE_PREPARE_COMMAND_HISTORY, SnapshotBuildWorkflowImpl.class);
    assertThat(changeIds(ONE_PREPARE_COMMAND_HISTORY)).contains(SnapshotBuildWorkflowImpl.ONE_PREPARE_COMMAND);
    assertThat(scheduledActivities(ONE_PREPARE_COMMAND_HISTORY))
        .containsOnlyOnce("StopKubeletAndRemoveImages")
        .doesNotContain("StopKubelet", "RemoveCachedImages");
    // A build recorded before the change replays its two commands.
    assertThat(scheduledActivities(CLIENT_SIDE_PULLS_HISTORY))
        .containsOnlyOnce("StopKubelet", "RemoveCachedImages")
        .doesNotContain("StopKubeletAndRemoveImages");
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordTheHappyPathThatPreparesContainerdInOneCommand(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) throws IOException {
    new FakeCloud().register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-one-prepare-command").build(FakeCloud.request());

    String history = client.fetchHistory("happy-path-one-prepare-command").toJson(true);
    Files.writeString(Path.of("src/test/resources", ONE_PREPARE_COMMAND_HISTORY), history);
  }

  private static List<String> changeIds(String resource) throws IOException {
    return history(resource).getEvents().stream().filter(HistoryEvent::hasMarkerRecordedEventAttributes)
        .map(event -> DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(0,
            Optional.of(event.getMarkerRecordedEventAttributes().getDetailsMap().get("changeId")), String.class,
            String.class))
        .toList();
  }

  private static List<String> scheduledActivities(String resource) throws IOException {
    return history(resource).getEvents().stream().filter(HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .map(event -> event.getActivityTaskScheduledEventAttributes().getActivityType().getName())
        .toList();
  }

  private static WorkflowExecutionHistory history(String resource) throws IOException {
    return WorkflowExecutionHistory.fromJson(Files.readString(Path.of("src/test/resources", resource)));
  }

  @Test
  void replaysTheRecordedHappyPathThatIsFastByDefault() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(FAST_BY_DEFAULT_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysABuildThatEnabledFastSnapshotRestore() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(FAST_RESTORE_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void aWorkflowThatReordersTheStepsCannotReplayTheFastRestoreHistory() {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(FAST_RESTORE_HISTORY,
        ChecksSsmFirst.class))
        .hasMessageContaining(NonDeterministicException.class.getName());
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordABuildWithFastRestore(TestWorkflowEnvironment env, WorkflowClient client, Worker worker)
      throws IOException {
    FakeCloud cloud = new FakeCloud();
    FastRestoreWorkflowTest.previousBuild(cloud);
    FastRestoreWorkflowTest.optimizesThenEnabled(cloud);
    cloud.register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "fast-restore").build(FastRestoreWorkflowTest.request());

    String history = client.fetchHistory("fast-restore").toJson(true);
    Files.writeString(Path.of("src/test/resources", FAST_RESTORE_HISTORY), history);
  }

  @Test
  void replaysABuildOfTheMaximumPullsWithItsImagesIndexed() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(INDEXED_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysABuildCancelledWhilePublishing() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(CANCEL_AFTER_PUBLISH_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysTheRecordedHappyPathThatTaggedItsSnapshotPublished() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(PUBLISHED_TAG_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysABuildThatVerifiedItsSnapshotBeforePublishing() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(VERIFIED_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void aWorkflowThatPublishesWithoutVerifyingCannotReplayTheVerifiedHistory() {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(VERIFIED_HISTORY,
        PublishesUnverified.class))
        .hasMessageContaining(NonDeterministicException.class.getName());
  }

  @Test
  void replaysAnIncrementalRebuild() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(INCREMENTAL_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void aWorkflowThatLaunchesBeforeResolvingCannotReplayTheIncrementalHistory() {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(INCREMENTAL_HISTORY,
        ChecksSsmFirst.class))
        .hasMessageContaining(NonDeterministicException.class.getName());
  }

  @Test
  void replaysAVerifiedBuildWhoseProbesReadASample() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(VERIFIED_SAMPLED_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void aBuildThatDropsVerifyCannotReplayTheSampledHistory() {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(VERIFIED_SAMPLED_HISTORY,
        PublishesUnverified.class))
        .hasMessageContaining(NonDeterministicException.class.getName());
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordAVerifiedBuildWhoseProbesReadASample(TestWorkflowEnvironment env, WorkflowClient client, Worker worker)
      throws IOException {
    new FakeCloud().register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-verified-sampled").build(FakeCloud.request().withVerify(true));

    String history = client.fetchHistory("happy-path-verified-sampled").toJson(true);
    Files.writeString(Path.of("src/test/resources", VERIFIED_SAMPLED_HISTORY), history);
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordAVerifiedBuild(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) throws IOException {
    new FakeCloud().register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-verified").build(FakeCloud.request().withVerify(true));

    String history = client.fetchHistory("happy-path-verified").toJson(true);
    Files.writeString(Path.of("src/test/resources", VERIFIED_HISTORY), history);
  }

  /** The build as if {@code --verify} were dropped: it publishes straight after deleting its stack. */
  public static class PublishesUnverified extends SnapshotBuildWorkflowImpl {
    @Override
    public BuildResult build(BuildRequest input) {
      return super.build(input.withVerify(false));
    }
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordAnIncrementalRebuild(TestWorkflowEnvironment env, WorkflowClient client, Worker worker)
      throws IOException {
    FakeCloud cloud = new FakeCloud();
    IncrementalRebuildWorkflowTest.withParent(cloud, new java.util.ArrayList<>());
    cloud.register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "incremental-rebuild").build(IncrementalRebuildWorkflowTest.nightly(true));

    String history = client.fetchHistory("incremental-rebuild").toJson(true);
    Files.writeString(Path.of("src/test/resources", INCREMENTAL_HISTORY), history);
  }

  @Test
  void replaysABuildThatAppliedRetentionAfterwards() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(RetentionAfterBuildTest.HISTORY,
        SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysABuildThatCopiedItsSnapshotToAnotherRegion() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(RegionCopiesTest.HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysABuildThatMarkedItsCopyPublishedBeforeNamingIt() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(RegionCopiesTest.PUBLISHED_COPIES_HISTORY,
        SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void aWorkflowThatLaunchesBeforeResolvingCannotReplayTheResolvedHistory() {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(RESOLVED_HISTORY,
        ChecksSsmFirst.class))
        .hasMessageContaining(NonDeterministicException.class.getName());
  }

  @Test
  void aWorkflowThatReordersTheStepsCannotReplayIt() {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(HISTORY, ChecksSsmFirst.class))
        .hasMessageContaining(NonDeterministicException.class.getName())
        .hasMessageContaining("AwaitSsmOnline");
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordTheHappyPath(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) throws IOException {
    new FakeCloud().register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-fast-by-default").build(FakeCloud.request());

    String history = client.fetchHistory("happy-path-fast-by-default").toJson(true);
    Files.writeString(Path.of("src/test/resources", FAST_BY_DEFAULT_HISTORY), history);
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordABuildOfTheMaximumPulls(TestWorkflowEnvironment env, WorkflowClient client, Worker worker)
      throws IOException {
    new FakeCloud().register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "max-pulls-indexed").build(maxPullsRequest());

    String history = client.fetchHistory("max-pulls-indexed").toJson(true);
    Files.writeString(Path.of("src/test/resources", INDEXED_HISTORY), history);
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordACancelWhilePublishing(TestWorkflowEnvironment env, WorkflowClient client, Worker worker)
      throws Exception {
    FakeCloud cloud = new FakeCloud();
    CountDownLatch publishing = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    doAnswer(call -> {
      publishing.countDown();
      cancelled.await();
      return null;
    }).when(cloud.publish).publishSnapshotId(any(), any(), any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "cancel-after-publish");
    WorkflowClient.start(build::build, FakeCloud.request());
    assertThat(publishing.await(30, TimeUnit.SECONDS)).isTrue();
    WorkflowStub stub = WorkflowStub.fromTyped(build);
    stub.cancel();
    cancelled.countDown();
    assertThatThrownBy(() -> stub.getResult(BuildResult.class)).isInstanceOf(WorkflowFailedException.class);

    String history = client.fetchHistory("cancel-after-publish").toJson(true);
    Files.writeString(Path.of("src/test/resources", CANCEL_AFTER_PUBLISH_HISTORY), history);
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordTheHappyPathThatTagsItsSnapshotPublished(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) throws IOException {
    new FakeCloud().register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-published-tag").build(FakeCloud.request());

    String history = client.fetchHistory("happy-path-published-tag").toJson(true);
    Files.writeString(Path.of("src/test/resources", PUBLISHED_TAG_HISTORY), history);
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordTheHappyPathWhosePullsAreHandedTheirLayers(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) throws IOException {
    new FakeCloud().register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-pull-progress").build(FakeCloud.request());

    String history = client.fetchHistory("happy-path-pull-progress").toJson(true);
    Files.writeString(Path.of("src/test/resources", PULL_PROGRESS_HISTORY), history);
  }

  /** 100 images × 2 platforms: the validator's maximum, too many to index whole. */
  static BuildRequest maxPullsRequest() {
    List<String> images = IntStream.range(0, 100).mapToObj(i -> "registry.example.com/team/image-" + i + ":1").toList();
    return BuildRequestValidatorTest.with(BuildRequestValidatorTest.with(FakeCloud.request(), "images", images),
        "platforms", List.of("linux/amd64", "linux/arm64"));
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordAFailedDeploy(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) throws IOException {
    FakeCloud cloud = new FakeCloud();
    doThrow(ApplicationFailure.newNonRetryableFailure("stack rolled back", BuildFailures.STACK_FAILED))
        .when(cloud.stack).deployStack(any());
    cloud.register(worker);
    env.start();
    assertThatThrownBy(() -> FakeCloud.newBuild(client, worker, "deploy-failed").build(FakeCloud.request()))
        .isInstanceOf(WorkflowFailedException.class);

    String history = client.fetchHistory("deploy-failed").toJson(true);
    Files.writeString(Path.of("src/test/resources", DEPLOY_FAILED_FENCED), history);
  }

  /** The build as a careless refactoring might leave it: waiting for SSM before the stack exists. */
  public static class ChecksSsmFirst implements SnapshotBuildWorkflow {
    @Override
    public BuildResult build(BuildRequest input) {
      BuildRequest request = BuildRequestValidator.normalize(input);
      BuildIdentity identity = BuildIdentity.of(Workflow.getInfo().getWorkflowId(), Workflow.getInfo().getRunId(),
          request.name());
      Workflow.upsertTypedSearchAttributes(
          BuildSearchAttributes.STATUS.valueSet(BuildSearchAttributes.Status.RUNNING.name()),
          BuildSearchAttributes.REGION.valueSet(request.region()),
          BuildSearchAttributes.IMAGES.valueSet(request.images()),
          BuildSearchAttributes.BUILD_NAME.valueSet(request.name()));
      Workflow.newTimer(request.timeout());
      Workflow.newActivityStub(InstanceActivities.class, BuildTimeouts.AWAIT_SSM)
          .awaitSsmOnline(request.region(), FakeCloud.INSTANCE_ID);
      Workflow.newActivityStub(StackActivities.class, BuildTimeouts.DEPLOY_STACK)
          .deployStack(new StackSpec(identity, request));
      return null;
    }

    @Override
    public BuildProgress progress() {
      return null;
    }
  }
}
