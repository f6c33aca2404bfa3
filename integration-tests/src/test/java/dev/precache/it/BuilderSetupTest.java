package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.cloudformation.Stack;
import dev.precache.workflows.BuilderActivities;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code precache setup --delete} on a real server's visibility store: refused while a build runs in the region,
 * done once none does, and the builder stack is then gone with its role and instance profile.
 */
class BuilderSetupTest extends RealBuildTest {
  private static final String BUSYBOX = "docker.io/library/busybox:latest";

  @Test
  void deleteIsRefusedWhileABuildRunsInTheRegionAndLeavesNothingOnceNoneDoes() throws Exception {
    Cli cli = new Cli(temporal.client());
    Cli.Run setup = cli.run("setup", "-r", "us-west-2");
    assertThat(setup.exitCode()).as("%s", setup).isZero();
    // A build that cannot finish (SSM never comes online) and runs until it is cancelled.
    aws.cloud().faults().instanceNeverOnline(true);
    Cli.Run started = cli.run("build", "--detach", "-q", "-r", "us-west-2", "--timeout", "10m", BUSYBOX);
    assertThat(started.exitCode()).as("%s", started).isZero();
    String running = started.out().strip();
    cli.awaitListed(Set.of(running), "--status", "RUNNING", "--region", "us-west-2");

    Cli.Run refused = cli.run("setup", "-r", "us-west-2", "--delete");
    Cli.Run otherRegion = cli.run("setup", "-r", "eu-west-1", "--delete");

    assertThat(refused.exitCode()).as("%s", refused).isEqualTo(2);
    assertThat(refused.err()).startsWith("error: refusing to delete the builder stack of us-west-2 (1 build(s) "
        + "running there use it: " + running + ")").contains("or pass --force");
    assertThat(builder(aws.cloud()).status()).isEqualTo("CREATE_COMPLETE");
    assertThat(otherRegion.exitCode()).as("%s", otherRegion).isZero();
    assertThat(otherRegion.out().strip()).isEqualTo("no precache-builder in eu-west-1: nothing to delete");

    Cli.Run cancel = cli.run("cancel", running);
    assertThat(cancel.exitCode()).as("%s", cancel).isZero();
    Cli.Run watched = cli.run("watch", running);
    assertThat(watched.err()).contains("error: build cancelled at [");
    cli.awaitListed(Set.of(), "--status", "RUNNING", "--region", "us-west-2");
    Cli.Run deleted = cli.run("setup", "-r", "us-west-2", "--delete");

    assertThat(deleted.exitCode()).as("%s", deleted).isZero();
    assertThat(deleted.out().strip()).isEqualTo("deleted precache-builder in us-west-2 (version 1)");
    assertThat(aws.cloud().allStacks()).allSatisfy(stack -> {
      assertThat(stack.status()).as(stack.name()).isEqualTo("DELETE_COMPLETE");
      assertThat(stack.resources()).as("resources of " + stack.name()).isEmpty();
    });
    aws.assertNothingLeft();
  }

  private static Stack builder(Cloud cloud) {
    synchronized (cloud) {
      return cloud.allStacks().stream().filter(stack -> stack.name().equals(BuilderActivities.STACK_NAME))
          .reduce((older, newer) -> newer).orElseThrow();
    }
  }
}
