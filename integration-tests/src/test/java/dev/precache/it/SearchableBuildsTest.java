package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real builds, one of them failing, are found by {@code precache list}'s filters: the search attributes the
 * builds carry, through the real server's visibility store.
 */
class SearchableBuildsTest extends RealBuildTest {
  private static final String NGINX = "docker.io/library/nginx:1.27";
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  private static final String CUDA = "nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04";
  private static final String PYTHON = "docker.io/library/python:3.12-slim";

  private static String web;
  private static String cuda;
  private static String broken;
  private static String webSnapshotId;

  @BeforeAll
  static void buildThreeTimes() throws Exception {
    aws.cloud().failPullsMatching(".*/python:3\\.12-slim$",
        "failed to resolve reference \"" + PYTHON + "\": " + PYTHON + ": not found");
    Cli cli = new Cli(temporal.client());
    web = startDetached(cli, "--name", "web", "-r", "us-west-2", NGINX + "," + BUSYBOX);
    cuda = startDetached(cli, "--name", "cuda", "-r", "eu-west-1", CUDA);
    broken = startDetached(cli, "--name", "broken", "-r", "us-west-2", NGINX + "," + PYTHON);

    WorkflowClient client = temporal.client();
    webSnapshotId = client.newUntypedWorkflowStub(web).getResult(60, TimeUnit.SECONDS, BuildResult.class).snapshotId();
    client.newUntypedWorkflowStub(cuda).getResult(60, TimeUnit.SECONDS, BuildResult.class);
    try {
      client.newUntypedWorkflowStub(broken).getResult(60, TimeUnit.SECONDS, BuildResult.class);
      throw new AssertionError("the build pulling " + PYTHON + " succeeded despite the injected pull failure");
    } catch (WorkflowFailedException expected) {
      assertThat(expected).rootCause().hasMessageContaining("not found");
    }
  }

  private static String startDetached(Cli cli, String... args) {
    List<String> command = new ArrayList<>(List.of("build", "--detach"));
    command.addAll(List.of(args));
    Cli.Run run = cli.run(command.toArray(String[]::new));
    assertThat(run.exitCode()).as("%s", run).isZero();
    String[] lines = run.out().strip().split("\n");
    return lines[lines.length - 1];
  }

  @Test
  void listFiltersByStatusRegionImageAndName() throws Exception {
    Cli cli = new Cli(temporal.client());
    cli.awaitListed(Set.of(web, cuda, broken));
    cli.awaitListed(Set.of(web, cuda), "--status", "SUCCEEDED");
    cli.awaitListed(Set.of(web, cuda), "--status", "completed"); // Temporal's word for it, as `status` once said
    cli.awaitListed(Set.of(broken), "--status", "FAILED");
    cli.awaitListed(Set.of(), "--status", "RUNNING");
    cli.awaitListed(Set.of(cuda), "--region", "eu-west-1");
    cli.awaitListed(Set.of(web, broken), "--region", "us-west-2");
    cli.awaitListed(Set.of(web, broken), "--image", NGINX);
    cli.awaitListed(Set.of(web), "--image", "busybox");
    cli.awaitListed(Set.of(cuda), "--name", "cuda");
    cli.awaitListed(Set.of(broken), "--region", "us-west-2", "--status", "FAILED");
    cli.awaitListed(Set.of(), "--region", "eu-west-1", "--image", NGINX);
  }

  @Test
  void listShowsEachBuildsStatusRegionNameAndSnapshot() {
    Cli.Run list = new Cli(temporal.client()).run("list");

    assertThat(list.exitCode()).as("%s", list).isZero();
    assertThat(row(list, web)).containsSubsequence("SUCCEEDED", "us-west-2", "web", webSnapshotId, "nginx:1.27", "+1");
    assertThat(row(list, cuda)).containsSubsequence("SUCCEEDED", "eu-west-1", "cuda");
    assertThat(row(list, broken)).containsSubsequence("FAILED", "us-west-2", "broken", "-", "nginx:1.27", "+1");
  }

  private static List<String> row(Cli.Run list, String workflowId) {
    return list.out().lines().filter(line -> line.startsWith(workflowId + " ")).map(line -> List.of(line.split("\\s+")))
        .findFirst().orElseThrow(() -> new AssertionError(workflowId + " not listed:\n" + list));
  }

  @Test
  void theFailedBuildLeftNothingBehindEither() {
    assertThat(aws.snapshotIds()).hasSize(2).contains(webSnapshotId);
    aws.assertNothingLeft();
  }
}
