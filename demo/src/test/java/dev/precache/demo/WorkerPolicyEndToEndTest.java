package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static dev.precache.demo.SimulatedCloudAssertions.awaitUntil;
import static dev.precache.demo.SimulatedCloudAssertions.pulling;
import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.activities.AwsClients;
import dev.precache.activities.DockerConfig;
import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.instance.RegistryCatalog;
import dev.precache.demo.iam.CloudFormationCalls;
import dev.precache.demo.iam.ForbiddenRequests;
import dev.precache.demo.iam.IamPolicy;
import dev.precache.demo.iam.IamPolicy.Decision;
import dev.precache.demo.iam.IamRequest;
import dev.precache.demo.iam.WorkerCalls;
import dev.precache.demo.iam.WorkerPolicies;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.RequestLog.Call;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.workflows.BuilderActivities;
import dev.precache.workflows.NodeClassMarkRequest;
import dev.precache.workflows.NodeClassMarking;
import dev.precache.workflows.NodeClassSnapshotWorkflow;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.SnapshotLifecycle;
import io.temporal.client.WorkflowOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.cloudformation.model.Capability;

/**
 * The worker policies (deploy/iam/worker-policy.json and worker-lifecycle-policy.json, evaluated together) against what
 * precache does: every AWS call of a setup that updates an older builder stack, a build whose stack rolls back, a build
 * that publishes (with a private ECR image, an image of another private registry whose login the worker parks for its
 * pull, and -op), the same build up to date, a build whose snapshot fails, a cancelled build, a build copied to a
 * second region and shared, retention deleting the first build's snapshot, a janitor sweep, and the builder's deletion,
 * creation and deletion, as the simulator recorded them, plus the calls CloudFormation makes with the worker's
 * credentials for those stacks. Every one must be allowed; every action the policy grants must be used by one of them
 * (the janitor's removals are checked by JanitorEndToEndTest); and what precache must not be able to do is denied.
 * Between the two published builds, an EC2NodeClass's snapshot tag moves from the first to the second.
 */
class WorkerPolicyEndToEndTest {
  private static final double TIME_SCALE = 0.005;
  private static final String REGION = LocalCloud.REGION;
  private static final String ACCOUNT = Cloud.ACCOUNT_ID;
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  private static final String PRIVATE_ECR = ACCOUNT + ".dkr.ecr." + REGION + ".amazonaws.com/precache/sample-model:v1";
  private static final String PRIVATE_HOST = "registry.example.com";
  private static final String PRIVATE_REGISTRY_IMAGE = PRIVATE_HOST + "/team/app:v1";
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
  private static final String QWEN = "quay.io/redhat-ai-services/modelcar-catalog:qwen2.5-7b-instruct";
  private static final String COPY_REGION = "us-east-1";
  private static final String SHARED_ACCOUNT = "210987654321";
  private static final String INSTANCES = "arn:aws:ec2:" + REGION + ":" + ACCOUNT + ":instance/";

  private LocalCloud local;

  @AfterEach
  void stop() throws Exception {
    if (local != null) {
      local.close();
    }
  }

  @Test
  void everyCallPrecacheMakesIsAllowedAndNothingItMustNotDo() throws Exception {
    IamPolicy policy = WorkerPolicies.read();
    local = LocalCloud.start(TIME_SCALE, privateRegistryCatalog(), privateRegistryLogin());
    Cloud cloud = local.cloud();
    int firstCall = leaveAnOlderBuilderStack(cloud);
    String published = runEveryKindOfBuild(cloud);

    List<IamRequest> checked = new ArrayList<>();
    List<Call> all = cloud.requests().all();
    List<Call> calls = all.subList(firstCall, all.size());
    WorkerCalls worker = new WorkerCalls(ACCOUNT);
    for (int i = 0; i < calls.size(); i++) {
      checked.addAll(worker.of(calls.get(i), i));
    }
    int workerRequests = checked.size();
    checked.addAll(new CloudFormationCalls(cloud).all(REGION));
    int cloudFormationRequests = checked.size() - workerRequests;
    List<IamRequest> registry = ecrPulls(calls);
    checked.addAll(registry);

    List<IamRequest> refused = checked.stream().filter(r -> policy.evaluate(r) != Decision.ALLOWED).toList();
    assertThat(refused).as("calls the policy refuses").isEmpty();
    assertThat(unusedGrants(policy, checked)).as("statement: actions no call uses").isEqualTo(Map.of(
        // Teardown's sweep deletes a login a pull could not delete itself (PrivateRegistryEndToEndTest), or what a
        // pull of an older worker left: none of this run's builds leaves one.
        "ParkedRegistryCredentials", Set.of("ssm:DeleteParameters"),
        // Only a --fast-restore build enables, waits for and disables FSR (RestoreTimeEndToEndTest runs those);
        // none of this run's builds asks for it.
        "ReadEc2", Set.of("ec2:DescribeFastSnapshotRestores"),
        "FastRestoreOfBuildSnapshots", Set.of("ec2:EnableFastSnapshotRestores", "ec2:DisableFastSnapshotRestores",
            "ec2:DeleteTags"),
        // The janitor deletes a volume a build left (JanitorEndToEndTest checks its calls); this run leaves none.
        // (Its TerminateInstances grant also covers CloudFormation's teardown of the build instances.)
        "JanitorRemovesLeftBuildResources", Set.of("ec2:DeleteVolume"),
        // SSM commands are looked for only by a retried attempt or after a SendCommand refused with a 5xx
        // (CommandRunner, CommandRunnerTest): this run is fault-free and every first attempt sends its own.
        "WatchCommandsAndAgents", Set.of("ssm:ListCommands")));

    Map<String, IamRequest> forbidden = ForbiddenRequests.of(REGION, ACCOUNT, published);
    Map<String, Decision> decisions = new LinkedHashMap<>();
    forbidden.forEach((what, request) -> decisions.put(what, policy.evaluate(request)));
    assertThat(decisions).as("what precache must not be able to do").allSatisfy((what, decision) ->
        assertThat(decision).as(what).isNotEqualTo(Decision.ALLOWED));
    // Each forbidden request differs from an allowed one in the one thing it names: the policy is not just closed.
    assertThat(policy.evaluate(allowedTwinOfForbiddenSendCommand(cloud))).isEqualTo(Decision.ALLOWED);

    Set<String> actions = new TreeSet<>();
    checked.forEach(r -> actions.add(r.action()));
    System.out.printf("worker policy: %d calls recorded, %d IAM requests checked (%d by the worker, %d by"
            + " CloudFormation on its behalf, %d by ECR pulls), %d actions, %d allowed,"
            + " %d denied; %d forbidden requests, %d denied%n", calls.size(), checked.size(), workerRequests,
        cloudFormationRequests, registry.size(), actions.size(), checked.size() - refused.size(), refused.size(),
        forbidden.size(), decisions.values().stream().filter(d -> d != Decision.ALLOWED).count());
    assertThat(actions).as("what the check covers").contains("ssm:SendCommand", "ec2:DeleteSnapshot", "ec2:CopySnapshot",
        "ec2:ModifySnapshotAttribute",
        "ec2:CreateSnapshot", "ec2:RunInstances", "iam:PassRole", "cloudformation:UpdateStack", "iam:DeleteRole");
  }

  private static RegistryCatalog privateRegistryCatalog() throws IOException {
    Path overlay = Files.createTempDirectory("registry-catalog-").resolve("private.yaml");
    Files.writeString(overlay, """
        registries:
          %s: {username: robot, password: robot-password}
        images:
          %s:
            linux/amd64: [{size: 2 MB, unpacked: 5 MB}]
        """.formatted(PRIVATE_HOST, PRIVATE_REGISTRY_IMAGE));
    return RegistryCatalog.load(overlay);
  }

  private static DockerConfig privateRegistryLogin() throws IOException {
    Path config = Files.createTempDirectory("docker-config-").resolve("config.json");
    Files.writeString(config, "{\"auths\": {\"" + PRIVATE_HOST + "\": {\"username\": \"robot\", \"password\": "
        + "\"robot-password\"}}}");
    return DockerConfig.read(config);
  }

  /**
   * A builder stack as an earlier precache left it (version 0), made by this test, not by precache, so that setup
   * updates it; returns the index of precache's first call in the request log.
   */
  private int leaveAnOlderBuilderStack(Cloud cloud) throws Exception {
    String template = Files.readString(Path.of("../deploy/cloudformation/builder.yaml"));
    try (AwsClients aws = new AwsClients(URI.create(local.simulatorEndpoint()), StaticCredentialsProvider.create(
        AwsBasicCredentials.create(LocalCloud.ACCESS_KEY_ID, LocalCloud.SECRET_ACCESS_KEY)))) {
      aws.cloudFormation(REGION).createStack(r -> r.stackName(BuilderActivities.STACK_NAME)
          .templateBody(template).capabilities(Capability.CAPABILITY_IAM)
          .parameters(p -> p.parameterKey("BuilderVersion").parameterValue("0"))
          .tags(t -> t.key("precache:component").value("builder"), t -> t.key("precache:builder-version").value("0")));
    }
    awaitUntil("the old builder stack created", Duration.ofSeconds(30), () -> cloud.allStacks().stream()
        .anyMatch(stack -> stack.status().equals("CREATE_COMPLETE")));
    return cloud.requests().all().size();
  }

  /** The snapshot the publishing build made, tagged published; the failed build's is gone. */
  private String runEveryKindOfBuild(Cloud cloud) throws InterruptedException {
    assertThat(local.runCli("setup", "-r", REGION).out()).as("setup updates the old builder stack")
        .startsWith("updated precache-builder");
    cloud.faults().rollbackStacks("simulated: the instance failed to launch");
    CliRun rolledBack = local.runCli("build", "-r", REGION, "--name", "rolls-back", BUSYBOX);
    cloud.faults().clear();
    assertThat(rolledBack.exitCode()).as(rolledBack.err()).isEqualTo(1);
    assertThat(rolledBack.err()).contains("simulated: the instance failed to launch");
    CliRun built = local.runCli("build", "-r", REGION, "-q", "--name", "iam", "-op", "/precache/iam/snapshot",
        BUSYBOX + "," + PRIVATE_ECR + "," + PRIVATE_REGISTRY_IMAGE);
    assertOk(built);
    String published = built.out().strip();
    assertThat(cloud.snapshot(published)).get().extracting(Snapshot::tags)
        .satisfies(tags -> assertThat(tags).containsEntry(SnapshotLifecycle.STATE, SnapshotLifecycle.PUBLISHED));
    CliRun upToDate = local.runCli("build", "-r", REGION, "-q", "--name", "iam", "-op", "/precache/iam/snapshot",
        BUSYBOX + "," + PRIVATE_ECR + "," + PRIVATE_REGISTRY_IMAGE);
    assertOk(upToDate);
    assertThat(upToDate.out().strip()).isEqualTo(published);

    cloud.faults().snapshotError("simulated: the snapshot failed");
    CliRun failed = local.runCli("build", "-r", REGION, "--name", "fails", BUSYBOX);
    cloud.faults().clear();
    assertThat(failed.exitCode()).as(failed.err()).isEqualTo(1);
    assertThat(cloud.requests().calls("ec2", "DeleteSnapshot")).as("the failed build's snapshot deleted")
        .singleElement().satisfies(call -> assertThat(call.errorCode()).isNull());

    CliRun detached = local.runCli("build", "-r", REGION, "--detach", "-q", "--parallelism", "1", LLAMA + "," + QWEN);
    assertOk(detached);
    String cancelled = detached.out().strip();
    awaitUntil("the first model pulling", Duration.ofSeconds(60), () -> pulling(local.client(), cancelled, cloud, LLAMA));
    assertOk(local.runCli("cancel", cancelled));
    assertThat(local.runCli("watch", cancelled).err()).contains("build cancelled");

    // Published again, copied and shared; retention then deletes the first snapshot, which nothing names any more.
    CliRun copied = local.runCli("build", "-r", REGION, "-q", "--name", "iam", "--force", "-op", "/precache/iam/snapshot",
        "--copy-to-region", COPY_REGION, "--share-with-account", SHARED_ACCOUNT, BUSYBOX + "," + PRIVATE_ECR);
    assertOk(copied);
    String first = published;
    published = copied.out().strip();
    // An EC2NodeClass set to the first snapshot, then to the new one (the tagging nodeclass --apply starts after
    // applying; no cluster here): the first loses the tag, so retention may delete it.
    markNodeClass(first, null);
    assertThat(cloud.snapshot(first).orElseThrow().tags()).containsEntry(SnapshotLifecycle.NODECLASS, "demo/gpu");
    markNodeClass(published, first);
    assertThat(cloud.snapshot(first).orElseThrow().tags()).doesNotContainKey(SnapshotLifecycle.NODECLASS);
    assertThat(cloud.snapshot(published).orElseThrow().tags()).containsEntry(SnapshotLifecycle.NODECLASS, "demo/gpu");
    assertOk(local.runCli("snapshots", "prune", "-r", REGION, "--name", "iam", "--keep", "1"));
    assertThat(cloud.snapshot(first)).as("expired by retention").isEmpty();
    assertThat(cloud.region(COPY_REGION).ec2().allSnapshots()).singleElement().extracting(Snapshot::tags)
        .satisfies(tags -> assertThat(tags).containsEntry(SnapshotLifecycle.STATE, SnapshotLifecycle.PUBLISHED));
    assertOk(local.runCli("janitor", "-r", REGION, "--older-than", "0s"));

    assertOk(local.runCli("setup", "-r", REGION, "--delete", "--force"));
    assertThat(local.runCli("setup", "-r", REGION).out()).as("setup makes it anew").startsWith("created precache-builder");
    assertOk(local.runCli("setup", "-r", REGION, "--delete", "--force"));
    assertNothingLeft(cloud);
    assertThat(cloud.snapshot(published)).as("the published snapshot survives everything").isPresent();
    return published;
  }

  private void markNodeClass(String snapshotId, String previousSnapshotId) {
    NodeClassMarking marking = local.client().newWorkflowStub(NodeClassSnapshotWorkflow.class, WorkflowOptions.newBuilder()
            .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE).setWorkflowId("iam-nodeclass-" + snapshotId).build())
        .mark(new NodeClassMarkRequest(REGION, snapshotId, previousSnapshotId, "demo/gpu"));
    assertThat(marking.applied().note()).as("%s", marking).isNull();
  }

  /**
   * The registry API calls of pulls from private ECR, with a token of the worker's (resolving on the worker, pulling
   * on the instance): ECR authorizes them as the token's principal. The simulated registries keep no request log, so
   * they are modelled: one set per GetAuthorizationToken, as the ECR User Guide lists what a pull needs.
   */
  private static List<IamRequest> ecrPulls(List<Call> calls) {
    String repository = "arn:aws:ecr:" + REGION + ":" + ACCOUNT + ":repository/precache/sample-model";
    List<IamRequest> pulls = new ArrayList<>();
    for (Call call : calls) {
      if (call.operation().equals("GetAuthorizationToken")) {
        for (String action : List.of("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")) {
          pulls.add(new IamRequest(action, repository, "pull of " + PRIVATE_ECR));
        }
      }
    }
    assertThat(pulls).as("pulls from private ECR").isNotEmpty();
    return pulls;
  }

  /** A SendCommand to a build instance of this run, as allowed, beside the forbidden one to an untagged instance. */
  private static IamRequest allowedTwinOfForbiddenSendCommand(Cloud cloud) {
    var instance = cloud.allInstances().iterator().next();
    return new IamRequest("ssm:SendCommand", INSTANCES + instance.instanceId(), "allowed twin")
        .withTags("ssm:resourceTag/", instance.tags());
  }

  /** For each Allow statement, the actions it grants that no checked request needed it for. */
  private static Map<String, Set<String>> unusedGrants(IamPolicy policy, List<IamRequest> checked) {
    Map<String, Set<String>> used = new LinkedHashMap<>();
    for (IamRequest request : checked) {
      for (String sid : policy.allowingStatements(request)) {
        used.computeIfAbsent(sid, s -> new LinkedHashSet<>()).add(request.action().toLowerCase());
      }
    }
    Map<String, Set<String>> unused = new LinkedHashMap<>();
    policy.grants().forEach((sid, actions) -> {
      Set<String> left = new TreeSet<>();
      actions.forEach(action -> {
        if (!used.getOrDefault(sid, Set.of()).contains(action.toLowerCase())) {
          left.add(action);
        }
      });
      if (!left.isEmpty()) {
        unused.put(sid, left);
      }
    });
    return unused;
  }

  private static void assertOk(CliRun run) {
    assertThat(run.exitCode()).as(run.err()).isZero();
  }
}
