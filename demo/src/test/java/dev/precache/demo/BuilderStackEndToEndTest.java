package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static dev.precache.demo.SimulatedCloudAssertions.awaitUntil;
import static dev.precache.demo.SimulatedCloudAssertions.pulling;
import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.activities.AwsClients;
import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.cloudformation.Stack;
import dev.precache.simulator.cloudformation.StackEvent;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuilderActivities;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.cloudformation.model.Capability;

/**
 * The builder stack through the CLI, the real worker and the simulator: made once by the first builds of a region
 * and reused, never touched by a build's teardown however the build ends, and removed by {@code setup --delete}.
 */
class BuilderStackEndToEndTest {
  private static final double TIME_SCALE = 0.005;
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
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

  @Test
  void twoBuildsRacingCreateTheBuilderStackOnceAndLaunchWithoutIamOfTheirOwn() throws Exception {
    local = LocalCloud.start(TIME_SCALE);
    Cloud cloud = local.cloud();

    // Both start before either has made the builder stack: one creates it, the other waits for it.
    String first = detached("--name", "first", BUSYBOX);
    String second = detached("--name", "second", NGINX);
    CliRun watchedFirst = local.runCli("watch", first);
    CliRun watchedSecond = local.runCli("watch", second);

    assertThat(watchedFirst.exitCode()).as(watchedFirst.err()).isZero();
    assertThat(watchedSecond.exitCode()).as(watchedSecond.err()).isZero();
    assertThat(builderStacks(cloud)).as("builder stacks ever created").singleElement()
        .satisfies(builder -> assertThat(builder.status()).isEqualTo("CREATE_COMPLETE"));
    assertThat(cloud.requests().calls("cloudformation", "CreateStack").stream()
        .filter(call -> call.errorCode() == null)).as("successful CreateStack calls: the builder's and two builds'")
        .hasSize(3);
    for (String workflowId : List.of(first, second)) {
      Stack own = stack(cloud, resultOf(workflowId).stackName());
      assertThat(own.status()).isEqualTo("DELETE_COMPLETE");
      assertThat(own.events()).extracting(StackEvent::resourceType).as("the build stack's resources")
          .doesNotContain("AWS::IAM::Role", "AWS::IAM::InstanceProfile")
          .contains("AWS::EC2::LaunchTemplate", "AWS::EC2::Instance");
    }
    assertNothingLeft(cloud);
  }

  @Test
  void aFailedAndACancelledBuildTearDownTheirOwnStacksAndLeaveTheBuilderStack() throws Exception {
    local = LocalCloud.start(0.01);
    Cloud cloud = local.cloud();
    CliRun setup = local.runCli("setup", "-r", LocalCloud.REGION);
    assertThat(setup.exitCode()).as(setup.err()).isZero();
    String builderId = builderStacks(cloud).get(0).id();

    cloud.failPullsMatching("nginx", "failed to resolve reference \"" + NGINX + "\": " + NGINX + ": not found");
    CliRun failed = local.runCli("build", "-r", LocalCloud.REGION, BUSYBOX + "," + NGINX);
    assertThat(failed.exitCode()).isEqualTo(1);
    assertThat(failed.err()).contains("error: build failed at [5/9] Pulling images (");

    String cancelled = detached("--parallelism", "1", LLAMA + "," + QWEN);
    awaitUntil("the first model pulling", Duration.ofSeconds(60),
        () -> pulling(local.client(), cancelled, cloud, LLAMA));
    CliRun cancel = local.runCli("cancel", cancelled);
    CliRun watched = local.runCli("watch", cancelled);
    assertThat(cancel.exitCode()).as(cancel.err()).isZero();
    assertThat(watched.err()).contains("error: build cancelled at [5/9] Pulling images (teardown done)");

    assertNothingLeft(cloud);
    assertThat(builderStacks(cloud)).as("the one builder stack, untouched").singleElement().satisfies(builder -> {
      assertThat(builder.id()).isEqualTo(builderId);
      assertThat(builder.status()).isEqualTo("CREATE_COMPLETE");
      assertThat(builder.resources()).containsOnlyKeys("InstanceRole", "InstanceProfile");
    });
    assertThat(cloud.allStacks()).as("the builder's and the two builds'").hasSize(3);
  }

  @Test
  void setupMakesTheBuilderStackFindsItAgainAndDeleteLeavesNothing() throws Exception {
    local = LocalCloud.start(TIME_SCALE);
    Cloud cloud = local.cloud();

    CliRun created = local.runCli("setup", "-r", LocalCloud.REGION);
    CliRun found = local.runCli("setup", "-r", LocalCloud.REGION);

    assertThat(created.exitCode()).as(created.err()).isZero();
    assertThat(created.out()).startsWith("created precache-builder in us-west-2, version 1: instance profile "
        + "precache-builder-InstanceProfile-");
    String profile = stack(cloud, BuilderActivities.STACK_NAME).outputs().get("InstanceProfileName");
    assertThat(created.out().strip()).endsWith(profile);
    assertThat(found.out().strip()).isEqualTo("precache-builder in us-west-2 is current, version 1: instance "
        + "profile " + profile);
    assertThat(stack(cloud, BuilderActivities.STACK_NAME).tags())
        .containsEntry("precache:component", "builder").containsEntry("precache:builder-version", "1");

    // The embedded server has no visibility queries, so running builds cannot be ruled out: nothing is deleted.
    CliRun refused = local.runCli("setup", "-r", LocalCloud.REGION, "--delete");
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err()).startsWith("error: refusing to delete the builder stack of us-west-2 (")
        .contains("pass --force once no build is running in us-west-2");
    assertThat(stack(cloud, BuilderActivities.STACK_NAME).status()).isEqualTo("CREATE_COMPLETE");

    CliRun deleted = local.runCli("setup", "-r", LocalCloud.REGION, "--delete", "--force");
    CliRun again = local.runCli("setup", "-r", LocalCloud.REGION, "--delete", "--force");

    assertThat(deleted.exitCode()).as(deleted.err()).isZero();
    assertThat(deleted.out().strip()).isEqualTo("deleted precache-builder in us-west-2 (version 1)");
    assertThat(again.out().strip()).isEqualTo("no precache-builder in us-west-2: nothing to delete");
    assertThat(cloud.allStacks()).allSatisfy(stack -> {
      assertThat(stack.status()).isEqualTo("DELETE_COMPLETE");
      assertThat(stack.resources()).as("IAM role and instance profile of " + stack.name()).isEmpty();
    });
    assertNothingLeft(cloud);
  }

  @Test
  void aBuilderStackOfAnOlderVersionIsUpdatedInPlaceByTheNextBuild() throws Exception {
    local = LocalCloud.start(TIME_SCALE);
    Cloud cloud = local.cloud();
    // As an earlier precache would have left it: the same resources, version 0.
    String template = readBuilderTemplate();
    try (AwsClients aws = new AwsClients(URI.create(local.simulatorEndpoint()), StaticCredentialsProvider.create(
        AwsBasicCredentials.create(LocalCloud.ACCESS_KEY_ID, LocalCloud.SECRET_ACCESS_KEY)))) {
      aws.cloudFormation(LocalCloud.REGION).createStack(r -> r.stackName(BuilderActivities.STACK_NAME)
          .templateBody(template).capabilities(Capability.CAPABILITY_IAM)
          .parameters(p -> p.parameterKey("BuilderVersion").parameterValue("0"))
          .tags(t -> t.key("precache:builder-version").value("0")));
    }
    awaitUntil("the old builder stack created", Duration.ofSeconds(30),
        () -> stack(cloud, BuilderActivities.STACK_NAME).status().equals("CREATE_COMPLETE"));
    String oldProfile = stack(cloud, BuilderActivities.STACK_NAME).outputs().get("InstanceProfileName");

    CliRun built = local.runCli("build", "-r", LocalCloud.REGION, "-q", BUSYBOX);

    assertThat(built.exitCode()).as(built.err()).isZero();
    Stack builder = builderStacks(cloud).get(0);
    assertThat(builderStacks(cloud)).hasSize(1);
    assertThat(builder.status()).isEqualTo("UPDATE_COMPLETE");
    assertThat(builder.tags()).containsEntry("precache:builder-version", "1")
        .containsEntry("precache:component", "builder");
    assertThat(builder.outputs()).containsEntry("BuilderVersion", "1")
        .as("IAM unchanged, so not replaced").containsEntry("InstanceProfileName", oldProfile);
    assertNothingLeft(cloud);
  }

  @Test
  void setupRefusesBadInputWithoutStartingAnything() throws Exception {
    local = LocalCloud.start(TIME_SCALE);

    CliRun badRegion = local.runCli("setup", "-r", "mars-1");
    CliRun forceAlone = local.runCli("setup", "-r", LocalCloud.REGION, "--force");

    assertThat(badRegion.exitCode()).isEqualTo(2);
    assertThat(badRegion.err().strip())
        .isEqualTo("error: invalid --region (must be an AWS region such as us-west-2, got 'mars-1')");
    assertThat(forceAlone.exitCode()).isEqualTo(2);
    assertThat(forceAlone.err().strip()).isEqualTo("error: invalid --force (only with --delete)");
    assertThat(local.cloud().allStacks()).isEmpty();
  }

  private static String readBuilderTemplate() throws IOException {
    return Files.readString(Path.of("../deploy/cloudformation/builder.yaml"));
  }

  private String detached(String... flagsThenImages) {
    List<String> args = new ArrayList<>(List.of("build", "-r", LocalCloud.REGION, "--detach", "-q"));
    args.addAll(List.of(flagsThenImages));
    CliRun started = local.runCli(args.toArray(String[]::new));
    assertThat(started.exitCode()).as(started.err()).isZero();
    return started.out().strip();
  }

  private BuildResult resultOf(String workflowId) {
    return local.client().newUntypedWorkflowStub(workflowId).getResult(BuildResult.class);
  }

  private static List<Stack> builderStacks(Cloud cloud) {
    synchronized (cloud) {
      return cloud.allStacks().stream().filter(stack -> stack.name().equals(BuilderActivities.STACK_NAME)).toList();
    }
  }

  /** The newest stack of this name, deleted or not. */
  private static Stack stack(Cloud cloud, String name) {
    synchronized (cloud) {
      return cloud.allStacks().stream().filter(stack -> stack.name().equals(name))
          .reduce((older, newer) -> newer).orElseThrow(() -> new AssertionError("no stack " + name));
    }
  }
}
