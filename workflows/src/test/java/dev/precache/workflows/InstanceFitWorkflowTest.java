package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.doReturn;

import dev.precache.workflows.StackActivities.StackSpec;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mockito.ArgumentCaptor;

/** The resolve step looks the instance type up; the volume's throughput and IOPS reach the stack. */
class InstanceFitWorkflowTest {

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  private final FakeCloud cloud = new FakeCloud();

  /** {@code count} model images of one {@code gib} weights layer each, amd64, with the digests FakeCloud pulls. */
  private static List<String> models(FakeCloud cloud, int count, long gib) {
    List<String> images = IntStream.range(0, count).mapToObj(i -> "quay.io/ai/modelcar-catalog:m" + i).toList();
    doReturn(images.stream().map(image -> new ResolvedImage(image,
        "linux/amd64", FakeCloud.digestOf(image), FakeCloud.sha256("manifest " + image),
        FakeCloud.sha256("config " + image), 1_000, List.of(new ResolvedLayer(FakeCloud.sha256("weights " + image),
            "application/vnd.oci.image.layer.v1.tar+gzip", gib * VolumeSizing.GIB)))).toList())
        .when(cloud.registry).resolveImages(any());
    return images;
  }

  private static BuildRequest request(List<String> images, String instanceType, Integer throughput, Integer iops) {
    return new BuildRequest("models", FakeCloud.REGION, images, List.of("amd64"), null, instanceType, false, null,
        null, null, null, null, null, true, Map.of(), null, null, throughput, iops);
  }

  private StackSpec deployed() {
    ArgumentCaptor<StackSpec> spec = ArgumentCaptor.forClass(StackSpec.class);
    verify(cloud.stack).deployStack(spec.capture());
    return spec.getValue();
  }

  @Test
  void theGpuSetGetsTheThroughputItCanUseAndThePlanSaysTheSame(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    List<String> images = models(cloud, 5, 14);
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "gpu-set");

    BuildResult result = build.build(request(images, "g5.2xlarge", null, null));

    verify(cloud.instance).describeInstanceCapacity(FakeCloud.REGION, "g5.2xlarge");
    // All 5 pulls at once (planned: 5 pulls, 8 vCPUs, 10 Gbit/s), each at 3 × 50 MB/s: 70 GiB downloaded at
    // 750 MB/s and unpacked as fast, ≈ 2× written: 1,430 MiB/s → 1,450 MiB/s, 6,000 IOPS.
    BuildRequest stack = deployed().request();
    assertThat(stack.pullParallelism()).isEqualTo(5);
    assertThat(stack.volumeThroughputMiBps()).isEqualTo(1450);
    assertThat(stack.volumeIops()).isEqualTo(6000);
    assertThat(result.volumePerformance().throughputMiBps()).isEqualTo(1450);
    assertThat(result.volumePerformance().buildCostDollars()).isBetween(0.005, 0.10);
    assertThat(result.instanceWarning()).isNull();
    assertThat(build.progress().volumePerformance()).isEqualTo(result.volumePerformance());

    PlanWorkflow plan = client.newWorkflowStub(PlanWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue(worker.getTaskQueue()).setWorkflowId("gpu-plan").build());
    BuildPlan planned = plan.plan(request(images, "g5.2xlarge", null, null));
    assertThat(planned.volumePerformance()).isEqualTo(result.volumePerformance());
    assertThat(planned.estimate().phases().get(3).why()).contains("volume 1520");
  }

  @Test
  void aSmallInstanceIsWarnedOfAndExplicitFiguresReachTheStackUnchanged(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    List<String> images = models(cloud, 4, 120);
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "small-instance");

    BuildResult result = build.build(request(images, "m5.large", 500, 3000));

    BuildRequest stack = deployed().request();
    assertThat(stack.volumeThroughputMiBps()).isEqualTo(500);
    assertThat(stack.volumeIops()).isEqualTo(3000);
    assertThat(result.volumePerformance().requested()).isTrue();
    // Two pulls at once (planned: 2 vCPUs) ask 2 × 3 × 50 MB/s = 2.4 Gbit/s, which an m5.2xlarge sustains.
    assertThat(result.instanceWarning()).startsWith("m5.large sustains 0.75 Gbit/s")
        .endsWith("m5.2xlarge sustains 2.5 Gbit/s");
    assertThat(build.progress().instanceWarning()).isEqualTo(result.instanceWarning());
  }
}
