package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.when;

import dev.precache.workflows.InstanceActivities.PullSpec;
import dev.precache.workflows.StackActivities.StackSpec;
import dev.precache.workflows.RegistryActivities.ResolveSpec;
import dev.precache.workflows.SnapshotActivities.SnapshotStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What keeps a build off idle waits: teardown during the snapshot, pulls largest first, planned parallelism. */
class FastPathWorkflowTest {

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  private final FakeCloud cloud = new FakeCloud();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  @Test
  void deletesTheStackWhileTheSnapshotCompletes(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    AtomicBoolean stackDeleted = new AtomicBoolean();
    AtomicInteger polls = new AtomicInteger();
    doAnswer(call -> {
      events.add("stack deleted");
      stackDeleted.set(true);
      return null;
    }).when(cloud.stack).deleteStack(eq(FakeCloud.REGION), any());
    // The snapshot completes once the stack is gone, or after 20 polls: a build that waited for the snapshot
    // before deleting the stack gets there, with the events the other way round.
    when(cloud.snapshots.awaitSnapshotCompleted(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID)).thenAnswer(call -> {
      boolean completed = stackDeleted.get() || polls.incrementAndGet() > 20;
      if (completed) {
        events.add("snapshot completed");
      }
      return new SnapshotStatus(FakeCloud.SNAPSHOT_ID, completed ? 100 : 50, completed);
    });
    doAnswer(call -> {
      events.add("published");
      return null;
    }).when(cloud.publish).publishSnapshotId(any(), any(), any());
    cloud.register(worker);
    env.start();

    BuildResult result = FakeCloud.newBuild(client, worker, "overlap").build(FakeCloud.request());

    assertThat(result.snapshotId()).isEqualTo(FakeCloud.SNAPSHOT_ID);
    assertThat(events).containsExactly("stack deleted", "snapshot completed", "published");
  }

  @Test
  void startsTheLargestPullsFirst(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    List<String> images = List.of("docker.io/library/small:1", "docker.io/library/large:1",
        "docker.io/library/medium:1");
    doAnswer(call -> sized(call.getArgument(0, ResolveSpec.class))).when(cloud.registry).resolveImages(any());
    List<String> started = Collections.synchronizedList(new ArrayList<>());
    doAnswer(call -> {
      PullSpec spec = call.getArgument(0, PullSpec.class);
      started.add(spec.image());
      return FakeCloud.cached(spec);
    }).when(cloud.instance).pullImage(any());
    cloud.register(worker);
    env.start();

    FakeCloud.newBuild(client, worker, "largest-first").build(request(images, "m5.large", 1));

    assertThat(started.stream().distinct().toList()).containsExactly("docker.io/library/large:1", "docker.io/library/medium:1",
        "docker.io/library/small:1");
  }

  @Test
  void runsAsManyPullsAsTheInstanceKeepsBusy(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    doAnswer(call -> {
      mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
      Thread.sleep(300);
      running.decrementAndGet();
      return FakeCloud.cached(call.getArgument(0, PullSpec.class));
    }).when(cloud.instance).pullImage(any());
    cloud.register(worker);
    env.start();
    List<String> images = List.of("busybox", "alpine", "nginx");

    // m5.large: 2 vCPUs, one unpack stream each, so 2 of the 6 pulls at a time.
    FakeCloud.newBuild(client, worker, "small-instance").build(request(images, "m5.large", null));
    int onSmallInstance = mostAtOnce.getAndSet(0);
    // g5.2xlarge: 8 vCPUs, and its network carries more than 6 pulls fetch: all 6 at once.
    FakeCloud.newBuild(client, worker, "large-instance").build(request(images, "g5.2xlarge", null));
    int onLargeInstance = mostAtOnce.get();

    assertThat(onSmallInstance).isEqualTo(2);
    assertThat(onLargeInstance).isEqualTo(6);
  }

  @Test
  void everyPullGoesThroughTheTransferServiceTheStackTunesForTheInstance(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    List<PullSpec> pulled = Collections.synchronizedList(new ArrayList<>());
    List<StackSpec> deployed = Collections.synchronizedList(new ArrayList<>());
    doAnswer(call -> {
      pulled.add(call.getArgument(0, PullSpec.class));
      return FakeCloud.cached(call.getArgument(0, PullSpec.class));
    }).when(cloud.instance).pullImage(any());
    doAnswer(call -> {
      deployed.add(call.getArgument(0, StackSpec.class));
      return new StackActivities.StackOutputs("arn:aws:cloudformation:us-west-2:123456789012:stack/precache/1",
          FakeCloud.INSTANCE_ID);
    }).when(cloud.stack).deployStack(any());
    cloud.register(worker);
    env.start();
    List<String> images = List.of("busybox", "alpine");

    FakeCloud.newBuild(client, worker, "parallel").build(request(images, "g5.2xlarge", null));
    FakeCloud.newBuild(client, worker, "on-m5").build(request(images, "m5.large", 1));

    // Not client-side: the instance's transfer service no longer holds its pulls to containerd's 3 downloads.
    assertThat(pulled).hasSize(8).noneMatch(PullSpec::clientSide);
    // Both types peak at 10 Gbit/s: 25 requests of 50 MB/s fill it, more than 3 for each of the 4 pulls at once. The
    // default AMI (aws-k8s-1.33) ships containerd 2.2: a permit for each of the 6 distinct layers, and never fewer
    // than the g5.2xlarge's 8 vCPUs.
    assertThat(deployed).extracting(StackSpec::pullTuning)
        .containsExactly(new PullTuning(25, 16 << 20, 8), new PullTuning(25, 16 << 20, 6));
  }

  private static BuildRequest request(List<String> images, String instanceType, Integer parallelism) {
    return new BuildRequest("fast", FakeCloud.REGION, images, List.of("amd64", "arm64"), null, instanceType, false,
        null, null, null, null, null, null, true, null, null, parallelism, null, null);
  }

  /** One platform each, the app layer's size from the name: small, medium, large. */
  private static List<ResolvedImage> sized(ResolveSpec spec) {
    List<ResolvedImage> images = new ArrayList<>();
    for (ResolvedImage image : FakeCloud.resolved(spec)) {
      long bytes = image.image().contains("large") ? 9_000_000_000L
          : image.image().contains("medium") ? 5_000_000_000L : 1_000_000_000L;
      images.add(new ResolvedImage(image.image(), image.platform(), image.digest(), image.manifestDigest(),
          image.configDigest(), image.configBytes(), List.of(new ResolvedLayer(
              FakeCloud.sha256("layer " + image.image() + image.platform()),
              "application/vnd.oci.image.layer.v1.tar+gzip", bytes))));
    }
    return images;
  }
}
