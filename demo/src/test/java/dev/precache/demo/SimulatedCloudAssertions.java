package dev.precache.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.ssm.Command;
import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.ImagePull;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/** What the end-to-end tests read from the simulated cloud and the running build. */
final class SimulatedCloudAssertions {

  private SimulatedCloudAssertions() {}

  /** No stack but deleted ones, every instance terminated, no volume, no parked credentials, no unfinished snapshot. */
  static void assertNothingLeft(Cloud cloud) {
    Leftovers leftovers = Leftovers.in(cloud);
    assertThat(leftovers.stacks()).as("stacks not deleted").isEmpty();
    assertThat(leftovers.instances()).as("instances not terminated").isEmpty();
    assertThat(leftovers.volumes()).as("volumes").isEmpty();
    assertThat(leftovers.credentials()).as("registry credentials under " + Leftovers.CREDENTIALS_PATH).isEmpty();
    assertThat(leftovers.incompleteSnapshots()).as("snapshots that never completed").isEmpty();
  }

  /** The {@code ctr images pull} commands SSM received for this image. */
  static List<String> pullCommandsFor(Cloud cloud, String image) {
    synchronized (cloud) {
      return cloud.regions().values().stream()
          .flatMap(region -> region.ssm().commands().stream())
          .map(Command::parameters)
          .map(parameters -> String.join("\n", parameters.getOrDefault("commands", List.of())))
          .filter(script -> script.contains("images pull") && script.contains(image))
          .toList();
    }
  }

  /** Whether the build is pulling {@code image} right now: the workflow says so and the volume does not hold it yet. */
  static boolean pulling(WorkflowClient client, String workflowId, Cloud cloud, String image) {
    BuildProgress progress;
    try {
      progress = client.newUntypedWorkflowStub(workflowId).query("progress", BuildProgress.class);
    } catch (RuntimeException notAnsweredYet) {
      return false;
    }
    boolean pullRunning = progress.pulls().stream()
        .anyMatch(pull -> pull.image().equals(image) && pull.state() == ImagePull.State.PULLING);
    boolean onVolume = cloud.allInstances().stream()
        .flatMap(instance -> instance.runtime().volumeContents().stream())
        .anyMatch(content -> content.image().equals(image));
    return pullRunning && !onVolume && !pullCommandsFor(cloud, image).isEmpty();
  }

  static void awaitUntil(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("not within " + timeout.toSeconds() + "s: " + what);
      }
      Thread.sleep(10);
    }
  }
}
