package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static dev.precache.demo.SimulatedCloudAssertions.pullCommandsFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.RequestLog.Call;
import dev.precache.simulator.ssm.Command;
import dev.precache.workflows.BuildResult;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Registry secrets through a whole build: the password of a private registry reaches the build instance without
 * passing through the worker's pull, and appears in no command text, workflow history, CLI output or log line.
 */
class RegistrySecretsEndToEndTest {
  private static final String ECR_SAMPLE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/precache/sample-model:v1";

  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Level rootLevel;
  private LocalCloud local;

  @BeforeEach
  void captureLogs() {
    rootLevel = root.getLevel();
    logs.start();
    root.addAppender(logs);
    root.setLevel(Level.INFO);
  }

  @AfterEach
  void stop() throws Exception {
    root.detachAppender(logs);
    root.setLevel(rootLevel);
    if (local != null) {
      local.close();
    }
  }

  @Test
  void anEcrImageIsPulledWithATokenTheInstanceGetsWithItsOwnRole() throws Exception {
    local = LocalCloud.start(0.005);
    Cloud cloud = local.cloud();

    CliRun started = local.runCli("build", "-r", LocalCloud.REGION, "-A", "amd64,arm64", "--detach", "-q", ECR_SAMPLE);
    assertThat(started.exitCode()).as(started.err()).isZero();
    String workflowId = started.out().strip();
    CliRun watched = local.runCli("watch", workflowId);

    assertThat(watched.exitCode()).as(watched.err()).isZero();
    BuildResult result = local.client().newUntypedWorkflowStub(workflowId).getResult(BuildResult.class);
    assertThat(cloud.snapshot(result.snapshotId()).orElseThrow().contents())
        .extracting(c -> c.image(), c -> c.platform())
        .containsExactlyInAnyOrder(tuple(ECR_SAMPLE, "linux/amd64"), tuple(ECR_SAMPLE, "linux/arm64"));
    long firstCommand = cloud.requests().calls("ssm", "SendCommand").get(0).simMillis();
    assertThat(cloud.requests().calls("ecr", "GetAuthorizationToken")).as("the worker's ECR tokens")
        .isNotEmpty()
        .allSatisfy(call -> assertThat(call.simMillis()).as("asked while resolving, before any command ran")
            .isLessThan(firstCommand));
    assertThat(cloud.requests().calls("ssm", "PutParameter")).extracting(Call::operation).as("parameters written")
        .isEmpty();
    assertThat(pullCommandsFor(cloud, ECR_SAMPLE)).hasSize(2)
        .allSatisfy(command -> assertThat(command).contains("ecr-credential-provider", "--user AWS:{} "));
    assertNoSecretAnywhere(cloud, workflowId, started, watched);
    assertNothingLeft(cloud);
  }

  @Test
  void anInstanceRoleThatMayNotReadEcrFailsThePullOnceNamingThePermission() throws Exception {
    local = LocalCloud.start(0.005);
    Cloud cloud = local.cloud();
    cloud.iam().putRole("team-ssm-only", List.of("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"), List.of());

    CliRun started = local.runCli("build", "-r", LocalCloud.REGION, "-R", "team-ssm-only", "--detach", "-q",
        ECR_SAMPLE);
    assertThat(started.exitCode()).as(started.err()).isZero();
    String workflowId = started.out().strip();
    CliRun run = local.runCli("watch", workflowId);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("error: build failed at [5/9] Pulling images (",
        "assumed-role/team-ssm-only/", "is not authorized to perform: ecr:GetAuthorizationToken");
    assertThat(pullCommandsFor(cloud, ECR_SAMPLE)).as("not retried").hasSize(1);
    assertThat(cloud.allSnapshots()).isEmpty();
    assertNoSecretAnywhere(cloud, workflowId, started, run);
    assertNothingLeft(cloud);
  }

  /** Every ECR password the simulator issued, to the worker or an instance, is absent from all that lasts. */
  private void assertNoSecretAnywhere(Cloud cloud, String workflowId, CliRun... runs) {
    List<String> passwords = cloud.catalog().issuedEcrPasswords();
    assertThat(passwords).as("passwords issued").isNotEmpty();
    String history = local.client().fetchHistory(workflowId).toJson(false);
    String commands;
    synchronized (cloud) {
      commands = cloud.regions().values().stream().flatMap(region -> region.ssm().commands().stream())
          .map(Command::parameters).map(Object::toString).collect(Collectors.joining("\n"));
    }
    String logged = logs.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining("\n"));
    assertThat(logs.list).as("log lines captured").isNotEmpty();
    for (String password : passwords) {
      assertThat(history).as("workflow history").doesNotContain(password);
      assertThat(commands).as("SSM command history").doesNotContain(password);
      assertThat(logged).as("logs").doesNotContain(password);
      for (CliRun run : runs) {
        assertThat(run.out() + run.err()).as("CLI output").doesNotContain(password);
      }
    }
  }
}
