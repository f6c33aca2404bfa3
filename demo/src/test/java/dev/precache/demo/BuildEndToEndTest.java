package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static dev.precache.demo.SimulatedCloudAssertions.awaitUntil;
import static dev.precache.demo.SimulatedCloudAssertions.pullCommandsFor;
import static dev.precache.demo.SimulatedCloudAssertions.pulling;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.simulator.instance.ContainerRuntimeSettings;
import dev.precache.workflows.BuildResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Whole builds through the CLI, the embedded Temporal server, the real worker and the AWS SDK over HTTP against
 * the simulator: what the snapshot holds, how each injected fault ends the build, and that nothing is left.
 */
class BuildEndToEndTest {
  private static final double TIME_SCALE = 0.005;
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  private static final String ECR_SAMPLE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/precache/sample-model:v1";
  private static final String NGINX = "docker.io/library/nginx:1.27";
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
  private static final String QWEN = "quay.io/redhat-ai-services/modelcar-catalog:qwen2.5-7b-instruct";

  private LocalCloud local;

  @AfterEach
  void stop() throws Exception {
    if (local != null) {
      local.close();
    }
  }

  private Cloud start(double timeScale) throws Exception {
    local = LocalCloud.start(timeScale);
    return local.cloud();
  }

  private CliRun build(String... flagsThenImages) {
    List<String> args = new ArrayList<>(List.of("build", "-r", LocalCloud.REGION));
    args.addAll(List.of(flagsThenImages));
    return local.runCli(args.toArray(String[]::new));
  }

  private BuildResult resultOf(String workflowId) {
    return local.client().newUntypedWorkflowStub(workflowId).getResult(BuildResult.class);
  }

  @Test
  void snapshotHoldsExactlyTheRequestedImagesForEachPlatformAndNothingElseIsLeft() throws Exception {
    Cloud cloud = start(TIME_SCALE);

    CliRun started = build("-A", "amd64,arm64", "--detach", "-q", String.join(",", BUSYBOX, ECR_SAMPLE, NGINX));
    assertThat(started.exitCode()).as(started.err()).isZero();
    String workflowId = started.out().strip();
    CliRun watched = local.runCli("watch", workflowId);

    assertThat(watched.exitCode()).as(watched.err()).isZero();
    assertThat(watched.out()).contains("[1/9]", "[9/9]", "All done! Created snapshot in us-west-2: snap-");
    BuildResult result = resultOf(workflowId);
    assertThat(cloud.allSnapshots()).extracting(Snapshot::id).containsExactly(result.snapshotId());
    Snapshot snapshot = cloud.snapshot(result.snapshotId()).orElseThrow();
    assertThat(snapshot.contents()).extracting(c -> c.image(), c -> c.platform()).containsExactlyInAnyOrder(
        tuple(BUSYBOX, "linux/amd64"), tuple(BUSYBOX, "linux/arm64"),
        tuple(ECR_SAMPLE, "linux/amd64"), tuple(ECR_SAMPLE, "linux/arm64"),
        tuple(NGINX, "linux/amd64"), tuple(NGINX, "linux/arm64"));
    assertThat(result.images()).extracting(i -> i.image(), i -> i.platform())
        .containsExactlyInAnyOrderElementsOf(snapshot.contents().stream()
            .map(c -> tuple(c.image(), c.platform())).toList());
    VerifiedSnapshot verified = VerifiedSnapshot.of(result, cloud); // digests and sizes against the registry
    assertThat(verified.images()).hasSize(6);
    assertThat(result.steps()).extracting(s -> s.number()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
    // The stack's user data set the m5.large's transfer service up (10 Gbit/s at 50 MB/s a request; its AMI,
    // aws-k8s-1.33, ships containerd 2.2: an unpack permit for every distinct layer), and every pull went through it.
    Instance instance = cloud.allInstances().stream().filter(i -> i.instanceId().equals(result.instanceId()))
        .findFirst().orElseThrow();
    long distinctLayers = snapshot.contents().stream()
        .flatMap(image -> cloud.catalog().manifestByDigest(image.digest()).orElseThrow().layers().stream())
        .map(layer -> layer.digest()).distinct().count();
    assertThat(distinctLayers).isGreaterThan(instance.vcpus());
    assertThat(instance.containerRuntime()).isEqualTo(new ContainerRuntimeSettings(25, 16 << 20, (int) distinctLayers));
    assertThat(pullCommandsFor(cloud, NGINX)).hasSize(2).noneMatch(command -> command.contains("--local"));
    assertNothingLeft(cloud);
  }

  @Test
  void stackRollbackFailsTheFirstStepWithItsReason() throws Exception {
    Cloud cloud = start(TIME_SCALE);
    cloud.faults().rollbackStacks("Instance i-0abc failed to stabilize: insufficient capacity");

    CliRun run = build(BUSYBOX);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("error: build failed at [2/9] Deploying build instance stack (",
        "insufficient capacity");
    assertThat(cloud.allSnapshots()).isEmpty();
    assertNothingLeft(cloud);
  }

  @Test
  void instanceNeverOnlineTimesOutWaitingForSsm() throws Exception {
    Cloud cloud = start(TIME_SCALE);
    cloud.faults().instanceNeverOnline(true);

    CliRun run = build("--timeout", "8s", BUSYBOX);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains(
        "error: build timed out at [3/9] Waiting for the SSM agent to come online (its deadline of 8s passed; teardown done)");
    assertThat(cloud.allSnapshots()).isEmpty();
    assertNothingLeft(cloud);
  }

  @Test
  void failedPullNamesTheImageWithCtrOutputAndIsNotRetried() throws Exception {
    Cloud cloud = start(TIME_SCALE);
    cloud.failPullsMatching("nginx", "failed to resolve reference \"" + NGINX + "\": " + NGINX + ": not found");

    CliRun run = build(BUSYBOX + "," + NGINX);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("error: build failed at [5/9] Pulling images (",
        "ctr: failed to resolve reference \"" + NGINX + "\"");
    assertThat(pullCommandsFor(cloud, NGINX)).hasSize(1);
    assertThat(cloud.allSnapshots()).isEmpty();
    assertNothingLeft(cloud);
  }

  @Test
  void snapshotEndingInErrorFailsTheSnapshotStepAndIsDeleted() throws Exception {
    Cloud cloud = start(TIME_SCALE);
    cloud.faults().snapshotError("Snapshot copy failed: simulated storage fault");

    CliRun run = build(BUSYBOX);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("error: build failed at [8/9] Creating snapshot (", "simulated storage fault");
    assertThat(cloud.allSnapshots()).as("the failed snapshot is deleted").isEmpty();
    assertNothingLeft(cloud);
  }

  /**
   * A graceful stop that never completes holds the build in step 7 (a forced stop comes only with a retry of the
   * stop activity, after its 20-minute timeout) until the build's deadline; teardown then terminates the instance.
   */
  @Test
  void instanceStuckStoppingTimesOutTheBuildAndIsTerminated() throws Exception {
    Cloud cloud = start(TIME_SCALE);
    cloud.faults().instanceStuckStopping(true);

    CliRun run = build("--timeout", "15s", BUSYBOX);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("error: build timed out at [7/9] Stopping instance (its deadline of 15s passed; teardown done)");
    assertThat(cloud.allSnapshots()).isEmpty();
    assertNothingLeft(cloud);
  }

  @Test
  void throttlingAndServerErrorsAreRiddenOut() throws Exception {
    Cloud cloud = start(TIME_SCALE);
    cloud.faults().addError("cloudformation", "DescribeStacks", "Throttling", 0.3);
    cloud.faults().addError("ssm", "SendCommand", "InternalServerError", 0.3);
    cloud.faults().addError("ssm", "GetCommandInvocation", "ThrottlingException", 0.3);
    cloud.faults().addError("ec2", "DescribeInstances", "InternalError", 0.3);
    cloud.faults().addError("ec2", "DescribeSnapshots", "RequestLimitExceeded", 0.3);

    CliRun started = build("-A", "amd64,arm64", "--detach", "-q", BUSYBOX + "," + ECR_SAMPLE);
    String workflowId = started.out().strip();
    CliRun watched = local.runCli("watch", workflowId);

    assertThat(watched.exitCode()).as(watched.err()).isZero();
    BuildResult result = resultOf(workflowId);
    assertThat(cloud.allSnapshots()).extracting(Snapshot::id).containsExactly(result.snapshotId());
    assertThat(VerifiedSnapshot.of(result, cloud).images()).hasSize(4);
    for (String image : List.of(BUSYBOX, ECR_SAMPLE)) {
      assertThat(pullCommandsFor(cloud, image)).as("pull commands for " + image).hasSize(2); // one per platform
    }
    assertNothingLeft(cloud);
  }

  /**
   * While LLAMA (16.1 GB) pulls, {@code status} and the plain lines of {@code watch} say how much of it is on the
   * instance, how fast it comes and how long it has left, from the pull activity's heartbeats.
   */
  @Test
  void statusAndWatchShowARunningPullsBytesOfItsTotalRateAndTimeLeft() throws Exception {
    Cloud cloud = start(0.03);
    // gp3's baseline 125 MiB/s, not the 1000 the plan would provision: the download takes ~2 simulated minutes
    // (~4 s here), long enough for two probes, a heartbeat and a status to meet it under way.
    String workflowId = build("--detach", "-q", "--volume-throughput", "125", "--volume-iops", "3000", LLAMA)
        .out().strip();
    String figures = Pattern.quote(LLAMA) + " \\(linux/amd64\\): [0-9.]+ of 16\\.1 GB, [0-9]+ MB/s, about [0-9hms]+ left";
    StringWriter watched = new StringWriter();
    CompletableFuture<Integer> watch = CompletableFuture.supplyAsync(
        () -> local.runCli(new PrintWriter(watched, true), new PrintWriter(new StringWriter(), true), "watch", workflowId));
    List<String> statuses = new ArrayList<>();
    awaitUntil("status with a running pull's figures", Duration.ofSeconds(120), () -> {
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // a status a poll, not a busy loop on 2 cores
      CliRun status = local.runCli("status", workflowId);
      statuses.add(status.out());
      return Pattern.compile("(?m)^  " + figures + "$").matcher(status.out()).find() || watch.isDone();
    });

    assertThat(statuses.get(statuses.size() - 1)).containsPattern("pulls: 0 of 1 done\n  " + figures);
    assertThat(watch.get(120, TimeUnit.SECONDS)).isZero();
    assertThat(watched.toString()).containsPattern("(?m)^  \\.\\.\\. " + figures + "$")
        .contains("All done! Created snapshot");
    assertNothingLeft(cloud);
  }

  @Test
  void cancelMidPullEndsTheBuildAndTearsItDown() throws Exception {
    Cloud cloud = start(0.01);
    CliRun started = build("--parallelism", "1", "--detach", "-q", LLAMA + "," + QWEN);
    String workflowId = started.out().strip();
    awaitUntil("the first model pulling", Duration.ofSeconds(60),
        () -> pulling(local.client(), workflowId, cloud, LLAMA));

    CliRun cancel = local.runCli("cancel", workflowId);
    CliRun watched = local.runCli("watch", workflowId);

    assertThat(cancel.exitCode()).as(cancel.err()).isZero();
    assertThat(watched.exitCode()).isEqualTo(1);
    assertThat(watched.err()).contains("error: build cancelled at [5/9] Pulling images (teardown done)");
    assertThat(pullCommandsFor(cloud, QWEN)).as("no pull started after the cancel").isEmpty();
    assertThat(cloud.allSnapshots()).isEmpty();
    assertNothingLeft(cloud);
  }
}
