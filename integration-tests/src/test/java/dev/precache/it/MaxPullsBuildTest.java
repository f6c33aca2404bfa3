package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.BuildResult;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A build of the validator's maximum pulls starts on the real dev server, which enforces Temporal's 2 KiB per
 * search attribute value (80 whole references were refused), runs on the simulator, and is found by
 * {@code precache list --image} by any of its images; the same request makes a schedule. The images are tiny
 * and the simulated time fast, so the test is about the limits, not about pulling.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MaxPullsBuildTest {
  private static final List<String> IMAGES = IntStream.range(0, BuildRequestValidator.MAX_PULLS)
      .mapToObj(i -> String.format("docker.io/precache-limits/image-%03d:1", i)).toList();

  @RegisterExtension
  @Order(1)
  static final TemporalDevServer temporal = new TemporalDevServer();
  @RegisterExtension
  @Order(2)
  static final SimulatedAws aws = new SimulatedAws(0.002, catalog());
  @RegisterExtension
  @Order(3)
  static final InProcessWorker worker = new InProcessWorker(temporal, aws);

  private static String workflowId;

  /** Each image one 1 KB layer for linux/amd64: 200 distinct images, one pull each. */
  private static String catalog() {
    return "images:\n" + IMAGES.stream()
        .map(image -> "  " + image + ":\n    linux/amd64: [{size: 1 KB, unpacked: 4 KB}]\n")
        .collect(Collectors.joining());
  }

  @Test
  @Order(1)
  void aBuildOfTheMaximumPullsStartsRunsAndLeavesNothing() throws Exception {
    Cli.Run started = new Cli(temporal.client()).run("build", "--detach", "--name", "max-pulls", "-r", "us-west-2",
        "--parallelism", "32", String.join(",", IMAGES));
    assertThat(started.exitCode()).as("%s", started).isZero();
    workflowId = started.out().strip().lines().reduce((first, last) -> last).orElseThrow();

    BuildResult result = temporal.client().newUntypedWorkflowStub(workflowId)
        .getResult(240, TimeUnit.SECONDS, BuildResult.class);

    assertThat(aws.snapshotContents(result.snapshotId()))
        .isEqualTo(SimulatedAws.imagesTimesPlatforms(IMAGES, List.of("linux/amd64")));
    assertThat(aws.snapshotIds()).containsExactly(result.snapshotId());
    aws.assertNothingLeft();
  }

  @Test
  @Order(2)
  void listFindsItByAnyOfItsImages() throws Exception {
    Cli cli = new Cli(temporal.client());
    for (String image : List.of(IMAGES.get(0), IMAGES.get(137), IMAGES.get(199), "precache-limits/image-042:1")) {
      cli.awaitListed(Set.of(workflowId), "--image", image);
    }
    cli.awaitListed(Set.of(), "--image", "docker.io/precache-limits/image-200:1");
    Cli.Run list = cli.run("list");
    assertThat(list.out()).as("%s", list).contains(IMAGES.size() + " images");
  }

  @Test
  @Order(3)
  void theSameRequestMakesASchedule() {
    Cli cli = new Cli(temporal.client());
    Cli.Run created = cli.run("schedule", "create", "max-pulls", "--every", "24h", "--paused",
        "--note", "n".repeat(1000), "-r", "us-west-2", String.join(",", IMAGES));
    assertThat(created.exitCode()).as("%s", created).isZero();

    Cli.Run described = cli.run("schedule", "describe", "max-pulls");
    assertThat(described.exitCode()).as("%s", described).isZero();
    assertThat(described.out()).contains("200 images");
    assertThat(cli.run("schedule", "delete", "max-pulls").exitCode()).isZero();
  }
}
