package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static dev.precache.demo.SimulatedCloudAssertions.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.demo.iam.IamPolicy;
import dev.precache.demo.iam.IamRequest;
import dev.precache.demo.iam.WorkerCalls;
import dev.precache.demo.iam.WorkerPolicies;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.RequestLog.Call;
import dev.precache.simulator.cloudformation.Stack;
import dev.precache.simulator.ec2.BlockDevice;
import dev.precache.simulator.ec2.BottlerocketImages;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.ec2.InstanceState;
import dev.precache.simulator.ec2.LaunchSpec;
import dev.precache.simulator.ec2.Volume;
import dev.precache.simulator.fault.FaultConfig;
import dev.precache.workflows.BuilderActivities;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The janitor through the CLI, the worker and the AWS SDK against the simulator: a build whose in-memory Temporal
 * server died with its worker left its stack and instance; on a fresh server the janitor removes them, and leaves a
 * running build's and an untagged instance alone. Likewise an unattached volume of a build no server runs, next to an
 * untagged one and one of a running build.
 */
class JanitorEndToEndTest {
  private static final double TIME_SCALE = 0.005;
  private static final String BUSYBOX = "docker.io/library/busybox:latest";

  private LocalCloud local;

  @AfterEach
  void stop() throws Exception {
    if (local != null) {
      local.close();
    }
  }

  private CliRun cli(String... args) {
    return local.runCli(args);
  }

  /** A build started and detached, waiting for an SSM agent that never comes online: running, with its stack. */
  private String startStuckBuild(String name) throws InterruptedException {
    CliRun started = cli("build", "-r", LocalCloud.REGION, "--name", name, "--detach", BUSYBOX);
    assertThat(started.exitCode()).as(started.err()).isZero();
    awaitUntil("the instance of " + name, Duration.ofSeconds(60), () -> instanceOf(name).isPresent());
    return started.out().strip();
  }

  private Optional<Instance> instanceOf(String name) {
    Cloud cloud = local.cloud();
    synchronized (cloud) {
      return cloud.allInstances().stream()
          .filter(i -> i.tags().getOrDefault("Name", "").equals("precache-" + name)
              && i.state() != InstanceState.TERMINATED)
          .findFirst();
    }
  }

  private Stack stackOf(String name) {
    Cloud cloud = local.cloud();
    synchronized (cloud) {
      return cloud.allStacks().stream().filter(s -> s.name().startsWith("precache-" + name + "-")).findFirst()
          .orElseThrow();
    }
  }

  @Test
  void removesWhatAKilledDevServersBuildLeftAndNothingElse() throws Exception {
    local = LocalCloud.start(TIME_SCALE);
    Cloud cloud = local.cloud();
    cloud.applyFaults(new FaultConfig(null, List.of(), null, true, List.of(), null, false, List.of(), List.of()));
    startStuckBuild("orphan");
    local.replaceTemporal();
    String running = startStuckBuild("alive");
    String untagged;
    synchronized (cloud) {
      BottlerocketImages.Image image = cloud.region(LocalCloud.REGION).ec2().images().all().iterator().next();
      untagged = cloud.region(LocalCloud.REGION).ec2().launch(new LaunchSpec(image.imageId(),
          image.architecture().equals("arm64") ? "m6g.large" : "m5.large", null, null, List.of(),
          Map.of("Name", "someone-elses"), Map.of(), null), cloud.clock().nowMillis()).instanceId();
    }

    CliRun dryRun = cli("janitor", "-r", LocalCloud.REGION, "--older-than", "0s", "--dry-run");
    assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
    assertThat(line(dryRun.out(), stackOf("orphan").name())).contains("would remove",
        "is not running on this Temporal server");
    assertThat(line(dryRun.out(), stackOf("alive").name())).contains("keep", "is running (" + running + ")");
    assertThat(dryRun.out()).doesNotContain(untagged, BuilderActivities.STACK_NAME);
    assertThat(stackOf("orphan").status()).isEqualTo("CREATE_COMPLETE");

    int sweepStarts = cloud.requests().all().size();
    CliRun sweep = cli("janitor", "-r", LocalCloud.REGION, "--older-than", "0s");
    assertThat(sweep.exitCode()).as(sweep.err()).isZero();
    assertSweepAllowedByTheWorkerPolicy(cloud.requests().all().subList(sweepStarts, cloud.requests().all().size()),
        "cloudformation:DeleteStack");
    assertThat(line(sweep.out(), stackOf("orphan").name())).contains("removed");
    assertThat(stackOf("orphan").status()).isEqualTo("DELETE_COMPLETE");
    assertThat(instanceOf("orphan")).isEmpty();
    assertThat(stackOf("alive").status()).isEqualTo("CREATE_COMPLETE");
    assertThat(instanceOf("alive")).isPresent();
    synchronized (cloud) {
      assertThat(cloud.region(LocalCloud.REGION).ec2().instance(untagged).state()).isNotEqualTo(InstanceState.TERMINATED);
    }

    // The running build goes on and, cancelled, tears itself down; the untagged instance is its owner's to end.
    CliRun cancel = cli("cancel", running);
    assertThat(cancel.exitCode()).as(cancel.err()).isZero();
    awaitUntil("the running build's teardown", Duration.ofSeconds(60),
        () -> stackOf("alive").status().equals("DELETE_COMPLETE"));
    synchronized (cloud) {
      cloud.region(LocalCloud.REGION).ec2().terminate(List.of(untagged), cloud.clock().nowMillis());
    }
    awaitUntil("every instance terminated", Duration.ofSeconds(30), () -> {
      synchronized (cloud) {
        return cloud.allInstances().stream().allMatch(i -> i.state() == InstanceState.TERMINATED);
      }
    });
    assertNothingLeft(cloud);
  }

  /**
   * An unattached volume with {@code tags}, as an instance leaves one that was launched with it and
   * DeleteOnTermination off: the instance (untagged, so no leftover itself) is terminated and gone.
   */
  private String leaveVolume(Map<String, String> tags) throws InterruptedException {
    Cloud cloud = local.cloud();
    Instance maker;
    synchronized (cloud) {
      BottlerocketImages.Image image = cloud.region(LocalCloud.REGION).ec2().images().all().iterator().next();
      maker = cloud.region(LocalCloud.REGION).ec2().launch(new LaunchSpec(image.imageId(),
          image.architecture().equals("arm64") ? "m6g.large" : "m5.large", null, null,
          List.of(new BlockDevice(Instance.DATA_DEVICE, 20, "gp3", 3000, 125, false, null, false)),
          Map.of("Name", "volume-maker"), tags, null), cloud.clock().nowMillis());
      cloud.region(LocalCloud.REGION).ec2().terminate(List.of(maker.instanceId()), cloud.clock().nowMillis());
    }
    String volumeId = maker.volumes().stream().filter(v -> v.spec().deviceName().equals(Instance.DATA_DEVICE))
        .findFirst().orElseThrow().id();
    awaitUntil("volume " + volumeId + " detached", Duration.ofSeconds(30),
        () -> volume(volumeId).map(v -> v.state().equals("available")).orElse(false));
    return volumeId;
  }

  private Optional<Volume> volume(String volumeId) {
    Cloud cloud = local.cloud();
    synchronized (cloud) {
      return cloud.region(LocalCloud.REGION).ec2().allVolumes().stream().filter(v -> v.id().equals(volumeId))
          .findFirst();
    }
  }

  @Test
  void deletesAnOrphanedBuildVolumeAndLeavesAnUntaggedOneAndARunningBuildsAlone() throws Exception {
    local = LocalCloud.start(TIME_SCALE);
    Cloud cloud = local.cloud();
    cloud.applyFaults(new FaultConfig(null, List.of(), null, true, List.of(), null, false, List.of(), List.of()));
    String running = startStuckBuild("alive");
    String aliveBuild = stackOf("alive").tags().get("precache:build-id");
    String orphan = leaveVolume(Map.of("precache:build-id", "b-0rphan", "precache:workflow-id",
        "precache-gone-with-its-server"));
    String untagged = leaveVolume(Map.of("Name", "someone-elses"));
    // Only the build ID: the janitor finds its workflow on the build's stack.
    String alive = leaveVolume(Map.of("precache:build-id", aliveBuild));

    CliRun dryRun = cli("janitor", "-r", LocalCloud.REGION, "--older-than", "0s", "--dry-run");
    assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
    assertThat(line(dryRun.out(), orphan)).contains("would remove",
        "build b-0rphan is not running on this Temporal server (precache-gone-with-its-server");
    assertThat(line(dryRun.out(), alive)).contains("keep", "is running (" + running + ")");
    assertThat(dryRun.out()).doesNotContain(untagged);
    assertThat(volume(orphan)).as("a dry run deletes nothing").isPresent();

    int sweepStarts = cloud.requests().all().size();
    CliRun sweep = cli("janitor", "-r", LocalCloud.REGION, "--older-than", "0s");
    assertThat(sweep.exitCode()).as(sweep.err()).isZero();
    List<Call> sweepCalls = cloud.requests().all().subList(sweepStarts, cloud.requests().all().size());
    assertSweepAllowedByTheWorkerPolicy(sweepCalls, "ec2:DeleteVolume");
    assertThat(sweepCalls).filteredOn(call -> call.operation().equals("DeleteVolume")).as("volumes deleted")
        .singleElement().satisfies(call -> assertThat(call.parameters()).containsEntry("VolumeId", orphan));
    assertThat(line(sweep.out(), orphan)).contains("removed");
    assertThat(volume(orphan)).isEmpty();
    assertThat(volume(untagged)).isPresent();
    assertThat(volume(alive)).isPresent();
    assertThat(instanceOf("alive")).isPresent();
    assertThat(stackOf("alive").status()).isEqualTo("CREATE_COMPLETE");

    // The running build tears itself down once cancelled; the two volumes it does not know of are their owners'.
    CliRun cancel = cli("cancel", running);
    assertThat(cancel.exitCode()).as(cancel.err()).isZero();
    awaitUntil("the running build's teardown", Duration.ofSeconds(60),
        () -> stackOf("alive").status().equals("DELETE_COMPLETE"));
    synchronized (cloud) {
      cloud.region(LocalCloud.REGION).ec2().deleteVolume(untagged);
      cloud.region(LocalCloud.REGION).ec2().deleteVolume(alive);
    }
    awaitUntil("every instance terminated", Duration.ofSeconds(30), () -> {
      synchronized (cloud) {
        return cloud.allInstances().stream().allMatch(i -> i.state() == InstanceState.TERMINATED);
      }
    });
    assertNothingLeft(cloud);
  }

  /** Every call of the sweep is one the worker policies allow together (WorkerPolicyEndToEndTest's check). */
  private static void assertSweepAllowedByTheWorkerPolicy(List<Call> calls, String... removals) throws IOException {
    IamPolicy policy = WorkerPolicies.read();
    WorkerCalls worker = new WorkerCalls(Cloud.ACCOUNT_ID);
    List<IamRequest> checked = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      checked.addAll(worker.of(calls.get(i), i));
    }
    assertThat(checked).extracting(IamRequest::action).as("what the sweep did").contains("ec2:DescribeVolumes")
        .contains(removals);
    assertThat(checked.stream().filter(r -> policy.evaluate(r) != IamPolicy.Decision.ALLOWED).toList())
        .as("calls the worker policy refuses").isEmpty();
  }

  @Test
  void badInputIsRefusedWithNothingStarted() throws Exception {
    local = LocalCloud.start(TIME_SCALE);

    CliRun region = cli("janitor", "-r", "mars-1");
    CliRun every = cli("janitor", "-r", LocalCloud.REGION, "--every", "1h");

    assertThat(region.exitCode()).isEqualTo(2);
    assertThat(region.err()).contains("invalid --region");
    assertThat(every.exitCode()).isEqualTo(2);
    assertThat(every.err()).contains("invalid --every (only with --schedule)");
  }

  private static String line(String out, String resource) {
    return out.lines().filter(l -> l.contains(resource)).findFirst()
        .orElseThrow(() -> new AssertionError(resource + " not in:\n" + out));
  }
}
