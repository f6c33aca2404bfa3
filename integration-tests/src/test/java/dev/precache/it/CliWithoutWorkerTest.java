package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CLI against the real dev server with no worker polling: it says so instead of waiting in silence, and
 * {@code status} answers at once. The server's visibility lists the waiting build as {@code list -o json} shows.
 */
class CliWithoutWorkerTest {
  @RegisterExtension
  static final TemporalDevServer temporal = new TemporalDevServer();

  private static final String WARNING = "warning: no worker is polling task queue precache in namespace default on ";

  @Test
  void buildStatusAndCancelSayNoWorkerPollsAndListShowsTheBuildWaiting() throws Exception {
    Cli cli = new Cli(temporal.client());

    Cli.Run build = cli.run("build", "--detach", "-r", "us-west-2", "--name", "orphan", "docker.io/library/nginx:1.27");
    assertThat(build.exitCode()).as("%s", build).isZero();
    String workflowId = build.out().strip();
    assertThat(build.err()).contains(WARNING, "./precache worker");

    Cli.Run status = cli.run("status", workflowId);
    assertThat(status.exitCode()).as("%s", status).isZero();
    assertThat(status.out()).startsWith(workflowId + ": RUNNING\nnot started yet (or no worker answered)");

    JsonNode listed = null;
    for (int i = 0; i < 50 && (listed == null || listed.isEmpty()); i++) {
      Thread.sleep(200);
      Cli.Run list = cli.run("list", "-o", "json", "--name", "orphan");
      assertThat(list.exitCode()).as("%s", list).isZero();
      listed = new ObjectMapper().readTree(list.out());
    }
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).get("workflowId").asText()).isEqualTo(workflowId);
    assertThat(listed.get(0).get("state").asText()).isEqualTo("RUNNING");
    assertThat(listed.get(0).get("images").get(0).asText()).isEqualTo("docker.io/library/nginx:1.27");

    Cli.Run cancel = cli.run("cancel", workflowId);
    assertThat(cancel.exitCode()).as("%s", cancel).isZero();
    assertThat(cancel.out()).startsWith("Cancellation requested for " + workflowId);
    assertThat(cancel.err()).contains(WARNING);
    temporal.client().newUntypedWorkflowStub(workflowId).terminate("test over");
  }
}
