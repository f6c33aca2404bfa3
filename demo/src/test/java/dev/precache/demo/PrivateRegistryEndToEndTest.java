package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static dev.precache.demo.SimulatedCloudAssertions.pullCommandsFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.precache.activities.DockerConfig;
import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.RequestLog.Call;
import dev.precache.simulator.iam.IamModel;
import dev.precache.simulator.instance.RegistryCatalog;
import dev.precache.workflows.BuildResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A private registry other than ECR through a whole build: the login from the worker's docker config is parked for
 * each pull as a SecureString under the build's path, read on the instance with the instance role (IMDS credentials,
 * SigV4 curl to SSM), and deleted after the pull. It appears in no workflow history, command text, request log, log
 * line or CLI output; a role that may not read the parameter fails the pull naming the permission, leaving nothing.
 */
class PrivateRegistryEndToEndTest {
  private static final String HOST = "registry.example.com";
  private static final String IMAGE = HOST + "/team/app:v1";
  private static final String USER = "robot";

  private final String password = "p4ss-" + UUID.randomUUID() + "-with \"quotes\" and $dollars";
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Level rootLevel;
  private LocalCloud local;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    rootLevel = root.getLevel();
    logs.start();
    root.addAppender(logs);
    root.setLevel(Level.INFO);
    Path catalog = Files.writeString(dir.resolve("private.yaml"), """
        registries:
          %s: {username: %s, password: '%s'}
        images:
          %s:
            linux/amd64: [{size: 3 MB, unpacked: 7 MB}]
            linux/arm64: [{size: 3 MB, unpacked: 7 MB}]
        """.formatted(HOST, USER, password.replace("'", "''"), IMAGE));
    Path dockerConfig = Files.createDirectories(dir.resolve("docker"));
    Files.writeString(dockerConfig.resolve("config.json"), "{\"auths\": {\"" + HOST + "\": {\"auth\": \""
        + base64(USER + ":" + password) + "\"}}}");
    local = LocalCloud.start(0.005, RegistryCatalog.load(catalog),
        DockerConfig.read(DockerConfig.standardFile(java.util.Map.of("DOCKER_CONFIG", dockerConfig.toString()),
            dir).orElseThrow()));
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
  void eachPullReadsItsParkedLoginWithTheInstanceRoleAndTheLoginIsGoneAfter() {
    Cloud cloud = local.cloud();

    CliRun started = local.runCli("build", "-r", LocalCloud.REGION, "-A", "amd64,arm64", "--detach", "-q", IMAGE);
    assertThat(started.exitCode()).as(started.err()).isZero();
    String workflowId = started.out().strip();
    CliRun watched = local.runCli("watch", workflowId);

    assertThat(watched.exitCode()).as(watched.err()).isZero();
    BuildResult result = local.client().newUntypedWorkflowStub(workflowId).getResult(BuildResult.class);
    assertThat(cloud.snapshot(result.snapshotId()).orElseThrow().contents())
        .extracting(c -> c.image(), c -> c.platform())
        .containsExactlyInAnyOrder(tuple(IMAGE, "linux/amd64"), tuple(IMAGE, "linux/arm64"));
    List<Call> parked = cloud.requests().calls("ssm", "PutParameter");
    assertThat(parked).as("one SecureString per pull, tagged with the build").hasSize(2)
        .allSatisfy(put -> assertThat(put.parameters())
            .containsEntry("Type", "SecureString")
            .containsEntry("Tags.1.Key", "precache:build-id")
            .doesNotContainKey("KeyId")
            .hasEntrySatisfying("Name", name -> assertThat(name).startsWith("/precache/builds/")
                .contains("/registry/" + HOST + "/")));
    List<String> names = parked.stream().map(put -> put.parameters().get("Name")).toList();
    assertThat(names).doesNotHaveDuplicates();
    assertThat(cloud.requests().calls("ssm", "DeleteParameter")).extracting(call -> call.parameters().get("Name"))
        .as("each deleted after its pull").containsExactlyInAnyOrderElementsOf(names);
    assertThat(cloud.requests().calls("ssm", "GetParameter")).as("the worker never reads a login back").isEmpty();
    assertThat(cloud.requests().calls("ssm", "ListCommands"))
        .as("first attempts look for no command an earlier attempt sent").isEmpty();
    assertThat(cloud.requests().calls("ec2", "DescribeSnapshots")).as("nor for a snapshot an earlier one created")
        .noneMatch(call -> call.parameters().containsValue("tag:precache:build-id"));
    assertThat(pullCommandsFor(cloud, IMAGE)).hasSize(2).allSatisfy(command -> assertThat(command)
        .contains("169.254.169.254/latest/api/token", "--aws-sigv4 aws:amz:" + LocalCloud.REGION + ":ssm",
            "AmazonSSM.GetParameter", "--user \"$login\" " + IMAGE));
    assertNoSecretAnywhere(cloud, workflowId, started, watched);
    assertNothingLeft(cloud);
  }

  @Test
  void parkingAndDeletingALoginRideOutThrottlingAndServerErrors() {
    Cloud cloud = local.cloud();
    for (String operation : List.of("PutParameter", "DeleteParameter")) {
      cloud.faults().addError("ssm", operation, "ThrottlingException", 0.5);
      cloud.faults().addError("ssm", operation, "InternalServerError", 0.5);
    }

    CliRun run = local.runCli("build", "-r", LocalCloud.REGION, "-A", "amd64,arm64", "-q", IMAGE);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(cloud.requests().calls("ssm", "PutParameter")).as("refused, then asked again")
        .anyMatch(call -> call.errorCode() != null).filteredOn(call -> call.errorCode() == null).hasSize(2);
    assertThat(cloud.requests().calls("ssm", "DeleteParameter")).as("each pull's own delete, asked until answered")
        .anyMatch(call -> call.errorCode() != null).filteredOn(call -> call.errorCode() == null).hasSize(2);
    assertThat(cloud.requests().calls("ssm", "DeleteParameters")).as("nothing left for teardown to sweep").isEmpty();
    assertThat(pullCommandsFor(cloud, IMAGE)).hasSize(2);
    cloud.faults().clear();
    assertNothingLeft(cloud);
  }

  @Test
  void aLoginTheWorkerCouldNotDeleteAfterThePullIsDeletedByTeardown() {
    Cloud cloud = local.cloud();
    cloud.faults().addError("ssm", "DeleteParameter", "AccessDeniedException", 1.0);

    CliRun run = local.runCli("build", "-r", LocalCloud.REGION, "-q", IMAGE);

    assertThat(run.exitCode()).as(run.err()).isZero();
    List<Call> parked = cloud.requests().calls("ssm", "PutParameter");
    assertThat(parked).hasSize(1);
    assertThat(cloud.requests().calls("ssm", "DeleteParameter")).as("the pull's own delete, refused")
        .singleElement().satisfies(call -> assertThat(call.errorCode()).isEqualTo("AccessDeniedException"));
    assertThat(cloud.requests().calls("ssm", "DeleteParameters")).as("teardown's sweep of the build's path")
        .singleElement().satisfies(call -> assertThat(call.parameters())
            .containsEntry("Names.1", parked.get(0).parameters().get("Name")));
    cloud.faults().clear();
    assertNothingLeft(cloud);
  }

  @Test
  void anInstanceRoleThatMayNotReadTheParameterFailsThePullNamingThePermissionAndLeavesNothing() {
    Cloud cloud = local.cloud();
    cloud.iam().putRole("team-no-parameters",
        List.of("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"),
        List.of(new IamModel.Statement(List.of("ssm:UpdateInstanceInformation", "ssmmessages:*", "ec2messages:*"),
            List.of("*"))));

    CliRun started = local.runCli("build", "-r", LocalCloud.REGION, "-R", "team-no-parameters", "--detach", "-q",
        IMAGE);
    assertThat(started.exitCode()).as(started.err()).isZero();
    String workflowId = started.out().strip();
    CliRun run = local.runCli("watch", workflowId);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("error: build failed at [5/9] Pulling images (",
        "assumed-role/team-no-parameters/", "is not authorized to perform: ssm:GetParameter on resource: "
            + "arn:aws:ssm:" + LocalCloud.REGION + ":")
        .as("ctr never ran without the login").doesNotContain("401 Unauthorized");
    assertThat(pullCommandsFor(cloud, IMAGE)).as("not retried").hasSize(1);
    assertThat(cloud.requests().calls("ssm", "DeleteParameter")).as("deleted after the failed pull").hasSize(1);
    assertThat(cloud.allSnapshots()).isEmpty();
    assertNoSecretAnywhere(cloud, workflowId, started, run);
    assertNothingLeft(cloud);
  }

  /** Neither the password nor the parked value (base64 of user:password) is in anything that lasts. */
  private void assertNoSecretAnywhere(Cloud cloud, String workflowId, CliRun... runs) {
    String history = local.client().fetchHistory(workflowId).toJson(false);
    String commands;
    synchronized (cloud) {
      commands = cloud.regions().values().stream().flatMap(region -> region.ssm().commands().stream())
          .map(command -> command.parameters().toString()).collect(Collectors.joining("\n"));
    }
    String requests = cloud.requests().all().stream().map(Call::toString).collect(Collectors.joining("\n"));
    String logged = logs.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining("\n"));
    assertThat(logs.list).as("log lines captured").isNotEmpty();
    assertThat(requests).as("the request log").contains("PutParameter");
    for (String secret : List.of(password, base64(USER + ":" + password))) {
      assertThat(history).as("workflow history").doesNotContain(secret);
      assertThat(commands).as("SSM command history").doesNotContain(secret);
      assertThat(requests).as("the simulator's request log").doesNotContain(secret);
      assertThat(logged).as("logs").doesNotContain(secret);
      for (CliRun run : runs) {
        assertThat(run.out() + run.err()).as("CLI output").doesNotContain(secret);
      }
    }
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
