package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static dev.precache.demo.SimulatedCloudAssertions.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.cloudformation.Stack;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.BuilderActivities;
import dev.precache.workflows.SnapshotContent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Builds that resolve their images from the simulator's registries first, through the CLI, the worker and the
 * registry client over HTTP: failing before anything is launched, skipping unchanged rebuilds, catching a tag
 * that moved mid-build, and {@code precache plan}.
 */
class ResolveEndToEndTest {
  private static final double TIME_SCALE = 0.005;
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  private static final String ECR_SAMPLE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/precache/sample-model:v1";
  private static final String NGINX = "docker.io/library/nginx:1.27";

  private LocalCloud local;

  @AfterEach
  void stop() throws Exception {
    if (local != null) {
      local.close();
    }
  }

  private CliRun cli(String command, String... flagsThenImages) {
    List<String> args = new ArrayList<>(List.of(command, "-r", LocalCloud.REGION));
    args.addAll(List.of(flagsThenImages));
    return local.runCli(args.toArray(String[]::new));
  }

  @Test
  void anImageTheRegistryLacksFailsWithinSecondsAndLaunchesNothing() throws Exception {
    local = LocalCloud.start(TIME_SCALE);
    Cloud cloud = local.cloud();

    long start = System.nanoTime();
    CliRun run = cli("build", BUSYBOX + ",docker.io/library/nginx:9.99");
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("error: build failed at [1/9] Resolving images (", "docker.io/library/nginx:9.99",
        "MANIFEST_UNKNOWN");
    assertThat(took).isLessThan(Duration.ofSeconds(15));
    assertThat(cloud.allStacks()).isEmpty();
    assertThat(cloud.allInstances()).isEmpty();
    assertNothingLeft(cloud);
  }

  @Test
  void aPlatformTheIndexLacksFailsBeforeAnyStack() throws Exception {
    local = LocalCloud.start(TIME_SCALE);

    CliRun run = cli("build", "-A", "amd64,arm64", "ghcr.io/llm-d/llm-d:v0.2.0");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("error: build failed at [1/9] Resolving images (", "has no linux/arm64 image");
    assertThat(local.cloud().allStacks()).isEmpty();
  }

  @Test
  void aVolumeTooSmallForTheImagesIsRefusedBeforeAnyStack() throws Exception {
    local = LocalCloud.start(TIME_SCALE);

    CliRun run = cli("build", "-s", "1", ECR_SAMPLE);
    CliRun plan = cli("plan", "-s", "1", ECR_SAMPLE);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("error: build failed at [1/9] Resolving images (",
        "a 1 GiB volume cannot hold the images: needs at least");
    assertThat(plan.exitCode()).isEqualTo(2);
    assertThat(plan.err()).contains("error: invalid --snapshot-size (1 GiB cannot hold the images: needs at least");
    assertThat(local.cloud().allStacks()).isEmpty();
  }

  @Test
  void anUnchangedRebuildLaunchesNothingAndAMovedTagRebuilds() throws Exception {
    local = LocalCloud.start(TIME_SCALE);
    Cloud cloud = local.cloud();
    String images = BUSYBOX + "," + ECR_SAMPLE;

    CliRun first = cli("build", "--name", "nightly", "-A", "amd64,arm64", images);
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).contains("  volume ", " GiB: ", "Volume: ")
        // A 4 GiB volume allows gp3's 3,000 IOPS at most (500 per GiB), so 750 MiB/s.
        .contains("  provisioned 4 GiB gp3, 750 MiB/s, 3000 IOPS (chosen for 3.3 GiB of writes on m5.large,",
            "; a 4 GiB gp3 volume allows 3000 IOPS at most;");
    Snapshot built = cloud.allSnapshots().iterator().next();
    assertThat(built.tags()).containsEntry(SnapshotContent.NAME, "nightly").containsKey(SnapshotContent.CONTENT)
        .containsKey(SnapshotContent.VOLUME_USED_BYTES);
    assertThat(SnapshotContent.imageList(built.tags())).contains(BUSYBOX + " linux/amd64 sha256:",
        ECR_SAMPLE + " linux/arm64 sha256:");
    String firstId = first.out().lines().filter(line -> line.startsWith("Started build ")).findFirst().orElseThrow()
        .substring("Started build ".length()).split(" ")[0];
    CliRun status = local.runCli("status", firstId);
    assertThat(status.out()).contains("volume: " + built.volumeSizeGiB() + " GiB, ",
        " used after the pulls (" + built.tags().get(SnapshotContent.VOLUME_USED_BYTES) + " bytes, ");

    CliRun second = cli("build", "--name", "nightly", "-A", "amd64,arm64", "-q", images);
    assertThat(second.exitCode()).as(second.err()).isZero();
    assertThat(second.out().strip()).isEqualTo(built.id());
    assertThat(buildStacks(cloud)).hasSize(1);
    assertThat(cloud.allInstances()).hasSize(1);
    CliRun plan = cli("plan", "--name", "nightly", "-A", "amd64,arm64", images);
    assertThat(plan.out()).contains("Up to date: yes, " + built.id());

    cloud.rebuildImage(BUSYBOX);
    CliRun third = cli("build", "--name", "nightly", "-A", "amd64,arm64", "-q", images);
    assertThat(third.exitCode()).as(third.err()).isZero();
    assertThat(third.out().strip()).isNotEqualTo(built.id()).startsWith("snap-");
    assertThat(buildStacks(cloud)).hasSize(2);
    assertNothingLeft(cloud);
  }

  @Test
  void aTagMovedAfterResolvingIsCaughtAndNothingIsSnapshotted() throws Exception {
    local = LocalCloud.start(0.01);
    Cloud cloud = local.cloud();
    CliRun started = cli("build", "--detach", "-q", BUSYBOX + "," + NGINX);
    String workflowId = started.out().strip();
    awaitUntil("the stack deploying", Duration.ofSeconds(60), () -> {
      try {
        BuildProgress progress = local.client().newUntypedWorkflowStub(workflowId).query("progress", BuildProgress.class);
        return progress.step() == BuildStep.DEPLOY_STACK;
      } catch (RuntimeException notYet) {
        return false;
      }
    });
    String resolved = cloud.catalog().find(NGINX).orElseThrow().indexDigest();

    String moved = cloud.rebuildImage(NGINX).indexDigest();
    CliRun watched = local.runCli("watch", workflowId);

    assertThat(watched.exitCode()).isEqualTo(1);
    assertThat(watched.err()).contains("error: build failed at [5/9] Pulling images (",
        NGINX + " moved between resolving and pulling: resolved " + resolved + ", pulled " + moved);
    assertThat(cloud.allSnapshots()).isEmpty();
    assertNothingLeft(cloud);
  }

  @Test
  void planPrintsDigestsSharedLayersSizeAndEstimateAsTableAndJson() throws Exception {
    local = LocalCloud.start(TIME_SCALE);
    String images = String.join(",", "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct",
        "quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b");

    CliRun table = cli("plan", "-i", "g5.2xlarge", images);
    CliRun json = cli("plan", "-i", "g5.2xlarge", "--output", "json", images);

    assertThat(table.exitCode()).as(table.err()).isZero();
    assertThat(table.out()).contains("IMAGE", "SHARED", "Volume: ", "Up to date: no", "Estimated build: ",
        "  provisioned ", " GiB gp3, ", " on g5.2xlarge, ").doesNotContain("warning:");
    assertThat(json.exitCode()).as(json.err()).isZero();
    JsonNode plan = new ObjectMapper().readTree(json.out());
    assertThat(plan.path("images")).hasSize(2);
    for (JsonNode image : plan.path("images")) {
      String ref = image.path("image").asText();
      assertThat(image.path("digest").asText()).isEqualTo(local.cloud().catalog().find(ref).orElseThrow().indexDigest());
      assertThat(image.path("sharedLayers").asInt()).as("the ubi9-micro base").isEqualTo(1);
    }
    assertThat(plan.path("volume").path("sizeGiB").asInt()).isGreaterThan(plan.path("volume").path("requiredGiB").asInt());
    assertThat(plan.path("estimate").path("totalSeconds").asLong()).isGreaterThan(190 + 49);
    // The simulator's DescribeInstanceTypes: a g5.2xlarge peaks at 10 Gbit/s, the estimate says so.
    assertThat(plan.path("estimate").path("phases").get(3).path("why").asText()).contains("network 1250, 625 after");
    assertThat(plan.path("volume").path("throughputMiBps").asInt()).isBetween(1000, 2000);
    assertThat(plan.path("volume").path("iops").asInt()).isGreaterThanOrEqualTo(4000);
    assertThat(plan.path("warnings")).isEmpty();
    assertThat(local.cloud().allStacks()).isEmpty();
  }

  /** The stacks builds made, deleted ones included: not the shared builder stack. */
  private static List<Stack> buildStacks(Cloud cloud) {
    synchronized (cloud) {
      return cloud.allStacks().stream().filter(stack -> !stack.name().equals(BuilderActivities.STACK_NAME)).toList();
    }
  }
}
