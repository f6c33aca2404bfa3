package dev.precache.workflows;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

import com.uber.m3.tally.Scope;
import dev.precache.workflows.BuilderActivities.BuilderStack;
import dev.precache.workflows.BuilderActivities.Outcome;
import dev.precache.workflows.InstanceActivities.CheckedImage;
import dev.precache.workflows.InstanceActivities.ImageCheck;
import dev.precache.workflows.InstanceActivities.ImageCheckSpec;
import dev.precache.workflows.InstanceActivities.PullSpec;
import dev.precache.workflows.InstanceActivities.ReadSample;
import dev.precache.workflows.InstanceActivities.ReadSampleSpec;
import dev.precache.workflows.InstanceActivities.ResolvedVerifySpec;
import dev.precache.workflows.InstanceActivities.VerifiedVolume;
import dev.precache.workflows.RegistryActivities.ResolveSpec;
import dev.precache.workflows.InstanceActivities.VerifySpec;
import dev.precache.workflows.SnapshotActivities.SnapshotSpec;
import dev.precache.workflows.SnapshotActivities.SnapshotStatus;
import dev.precache.workflows.StackActivities.StackOutputs;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Activity mocks that behave like a healthy AWS account, so each test only stubs what it breaks, plus the
 * request and the Temporal test setup every workflow test shares.
 */
final class FakeCloud {
  static final String REGION = "us-west-2";
  static final String INSTANCE_ID = "i-0123456789abcdef0";
  static final String SNAPSHOT_ID = "snap-0123456789abcdef0";
  static final String OTHER_BUILDS_SNAPSHOT = "snap-0fedcba9876543210";
  static final String OUTPUT_PARAMETER = "/precache/gpu-models/snapshot-id";

  final StackActivities stack = mock(StackActivities.class, withSettings().withoutAnnotations());
  final InstanceActivities instance = mock(InstanceActivities.class, withSettings().withoutAnnotations());
  SnapshotActivities snapshots = mock(SnapshotActivities.class, withSettings().withoutAnnotations());
  final PublishActivities publish = mock(PublishActivities.class, withSettings().withoutAnnotations());
  final RegistryActivities registry = mock(RegistryActivities.class, withSettings().withoutAnnotations());
  final BuilderActivities builder = mock(BuilderActivities.class, withSettings().withoutAnnotations());
  final RetentionActivities retention = mock(RetentionActivities.class, withSettings().withoutAnnotations());
  final CopyActivities copies = mock(CopyActivities.class, withSettings().withoutAnnotations());
  static final String BUILDER_PROFILE = "precache-builder-InstanceProfile-0A1B2C3D4E5F";
  /** The bytes {@code df} reports used after the pulls: 3 GiB. */
  static final VolumeUsage USAGE = new VolumeUsage(20L << 30, 3L << 30, 17L << 30);
  /** The account's snapshots, each with the build ID it is tagged with; another build's is there from the start. */
  final Map<String, String> snapshotsInAccount =
      new ConcurrentHashMap<>(Map.of(OTHER_BUILDS_SNAPSHOT, "other-build-0123456789ab"));

  /** The m5 family as DescribeInstanceTypes describes it: vCPUs, baseline and peak Gbit/s. */
  static final List<InstanceCapacity> M5 = List.of(new InstanceCapacity("m5.large", 2, 0.75, 10),
      new InstanceCapacity("m5.xlarge", 4, 1.25, 10), new InstanceCapacity("m5.2xlarge", 8, 2.5, 10),
      new InstanceCapacity("m5.4xlarge", 16, 5, 10), new InstanceCapacity("m5.8xlarge", 32, 10, 10),
      new InstanceCapacity("m5.24xlarge", 96, 25, 25));
  static final List<InstanceCapacity> G5 = List.of(new InstanceCapacity("g5.xlarge", 4, 2.5, 10),
      new InstanceCapacity("g5.2xlarge", 8, 5, 10), new InstanceCapacity("g5.4xlarge", 16, 10, 25),
      new InstanceCapacity("g5.8xlarge", 32, 25, 25));

  /** How fast a probe reads a restored volume: the lazy fetch rate (FIGURES.md, EBS: 5–9 MB/s). */
  static final double LAZY_MIB_PER_SECOND = 7;

  FakeCloud() {
    when(builder.ensureBuilderStack(REGION)).thenReturn(new BuilderStack(REGION, BuilderActivities.STACK_NAME, 1,
        BUILDER_PROFILE, "arn:aws:iam::123456789012:instance-profile/" + BUILDER_PROFILE, Outcome.FOUND));
    when(instance.describeInstanceCapacity(any(), any())).thenAnswer(call -> family(call.getArgument(1)));
    when(stack.deployStack(any())).thenReturn(
        new StackOutputs("arn:aws:cloudformation:us-west-2:123456789012:stack/precache/1", INSTANCE_ID));
    when(instance.pullImage(any())).thenAnswer(call -> cached(call.getArgument(0, PullSpec.class)));
    when(instance.verifyCachedImages(any())).thenAnswer(call -> verified(call.getArgument(0, VerifySpec.class)));
    when(instance.verifyResolvedImages(any())).thenAnswer(call -> verifiedVolume(call.getArgument(0)));
    when(instance.checkImages(any())).thenAnswer(call -> checked(call.getArgument(0, ImageCheckSpec.class)));
    when(instance.readSample(any())).thenAnswer(call -> lazyRead(call.getArgument(0, ReadSampleSpec.class)));
    when(registry.resolveImages(any())).thenAnswer(call -> resolved(call.getArgument(0, ResolveSpec.class)));
    when(snapshots.createSnapshot(any())).thenAnswer(call -> takeSnapshot(call.getArgument(0)));
    doAnswer(call -> {
      snapshotsInAccount.values().removeIf(call.getArgument(1, BuildIdentity.class).buildId()::equals);
      return null;
    }).when(snapshots).deleteBuildSnapshots(any(), any());
    when(snapshots.awaitSnapshotCompleted(REGION, SNAPSHOT_ID)).thenReturn(
        new SnapshotStatus(SNAPSHOT_ID, 40, false), new SnapshotStatus(SNAPSHOT_ID, 100, true));
  }

  /** A probe's read of a restored volume at {@link #LAZY_MIB_PER_SECOND}, timed as the instance times it. */
  static ReadSample lazyRead(ReadSampleSpec spec) {
    return new ReadSample(spec.bytes(), Math.round(spec.bytes() / (LAZY_MIB_PER_SECOND * (1 << 20)) * 1000));
  }

  /** What DescribeInstanceTypes answers for a type of {@link #M5} or {@link #G5}. */
  static InstanceCapacity.Family family(String instanceType) {
    List<InstanceCapacity> family = instanceType.startsWith("g5.") ? G5 : M5;
    return new InstanceCapacity.Family(family.stream().filter(type -> type.instanceType().equals(instanceType))
        .findFirst().orElseThrow(), family);
  }

  /** What CreateSnapshot does: a snapshot tagged with the build ID, there whether or not its ID is returned. */
  String takeSnapshot(SnapshotSpec spec) {
    snapshotsInAccount.put(SNAPSHOT_ID, spec.identity().buildId());
    return SNAPSHOT_ID;
  }

  /** Two images for two platforms, published to an SSM parameter: every step has something to do. */
  static BuildRequest request() {
    return new BuildRequest("gpu-models", REGION,
        List.of("busybox", "public.ecr.aws/docker/library/alpine:3.20"), List.of("amd64", "arm64"), null, null,
        false, null, null, null, null, null, OUTPUT_PARAMETER, true, Map.of("team", "ml"), null, null, null, null);
  }

  static TestWorkflowExtension extension() {
    return extension(null);
  }

  /** The test server and a worker whose metrics go to {@code metrics} (null: none). */
  static TestWorkflowExtension extension(Scope metrics) {
    TestWorkflowExtension.Builder builder = TestWorkflowExtension.newBuilder()
        .registerWorkflowImplementationTypes(SnapshotBuildWorkflowImpl.class, PlanWorkflowImpl.class,
            VerifySnapshotWorkflowImpl.class, SnapshotRetentionWorkflowImpl.class)
        .setDoNotStart(true);
    for (SearchAttributeKey<?> key : BuildSearchAttributes.ALL) {
      builder.registerSearchAttribute(key.getName(), key.getValueType());
    }
    if (metrics != null) {
      // Counted metrics are at least once: a first workflow task failed by the deadlock detector (the SDK loading
      // its classes on a cold, busy JVM takes over its 1 s) would run, and count, again.
      builder.setMetricsScope(metrics)
          .setWorkerOptions(WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(30_000).build());
    }
    return builder.build();
  }

  void register(Worker worker) {
    worker.registerActivitiesImplementations(stack, instance, snapshots, publish, registry, builder, retention, copies);
  }

  static SnapshotBuildWorkflow newBuild(WorkflowClient client, Worker worker, String workflowId) {
    return client.newWorkflowStub(SnapshotBuildWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue(worker.getTaskQueue()).setWorkflowId(workflowId).build());
  }

  /** What containerd records after a pull: the image under its name, with the digest its tag points to. */
  static CachedImage cached(PullSpec spec) {
    return new CachedImage(spec.image(), spec.platform(), digestOf(spec.image()), 1_000_000);
  }

  /** The digest an image's tag points to (its index), as the registry serves it now. */
  static String digestOf(String image) {
    return sha256("index " + image);
  }

  static String sha256(String seed) {
    return "sha256:" + String.format("%064x", Math.abs((long) seed.hashCode()));
  }

  /**
   * Each image × platform as a registry resolves it: an index, a manifest per platform, a config and two layers,
   * the first (a 100 MB base) shared by every image of the platform.
   */
  static List<ResolvedImage> resolved(ResolveSpec spec) {
    List<ResolvedImage> images = new ArrayList<>();
    for (String image : spec.images()) {
      for (String platform : spec.platforms()) {
        images.add(new ResolvedImage(image, platform, digestOf(image), sha256("manifest " + image + platform),
            sha256("config " + image + platform), 2_000, List.of(
                new ResolvedLayer(sha256("base " + platform), "application/vnd.oci.image.layer.v1.tar+gzip",
                    100_000_000),
                new ResolvedLayer(sha256("app " + image + platform), "application/vnd.oci.image.layer.v1.tar+gzip",
                    400_000_000))));
      }
    }
    return images;
  }

  /** A probe's check of a good snapshot: each image complete, unpacked and pinned at the digest it was built with. */
  static ImageCheck checked(ImageCheckSpec spec) {
    return new ImageCheck(spec.images().stream().map(image -> new CheckedImage(image, digestOf(image),
        "complete (3/3)", true, List.of("io.cri-containerd.image=managed", "io.cri-containerd.pinned=pinned"))).toList(),
        400);
  }

  private static VerifiedVolume verifiedVolume(ResolvedVerifySpec spec) {
    List<CachedImage> images = spec.images().stream()
        .map(image -> new CachedImage(image.image(), image.platform(), image.digest(), image.compressedBytes()))
        .toList();
    return new VerifiedVolume(images, USAGE);
  }

  private static List<CachedImage> verified(VerifySpec spec) {
    List<CachedImage> images = new ArrayList<>();
    for (String image : spec.images()) {
      for (String platform : spec.platforms()) {
        images.add(new CachedImage(image, platform, digestOf(image), 1_000_000));
      }
    }
    return images;
  }
}
