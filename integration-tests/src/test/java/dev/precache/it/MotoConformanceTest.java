package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.precache.activities.AwsClients;
import dev.precache.activities.BuilderActivitiesImpl;
import dev.precache.activities.InstanceActivitiesImpl;
import dev.precache.activities.PublishActivitiesImpl;
import dev.precache.activities.SnapshotActivitiesImpl;
import dev.precache.activities.StackActivitiesImpl;
import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.BuildIdentity;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.BuilderActivities;
import dev.precache.workflows.BuilderActivities.BuilderStack;
import dev.precache.workflows.BuilderActivities.Outcome;
import dev.precache.workflows.InstanceActivities;
import dev.precache.workflows.InstanceCapacity;
import dev.precache.workflows.InstanceActivities.PullSpec;
import dev.precache.workflows.PublishActivities;
import dev.precache.workflows.SnapshotActivities;
import dev.precache.workflows.SnapshotActivities.SnapshotSpec;
import dev.precache.workflows.SnapshotActivities.SnapshotStatus;
import dev.precache.workflows.StackActivities;
import dev.precache.workflows.StackActivities.StackSpec;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Command;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/**
 * The activities against moto, with the AWS SDK configured exactly as the worker configures it ({@link AwsClients})
 * but for moto's endpoint and dummy static credentials. What moto cannot do is listed in docs/moto-conformance.md
 * and stays covered by the simulator alone.
 */
class MotoConformanceTest {
  @RegisterExtension
  static final MotoServer moto = new MotoServer();

  private static final String REGION = MotoServer.REGION;
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
  /** One attempt: a failure here is the activity's answer, not something to retry against moto. */
  private static final ActivityOptions ONCE = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(2))
      .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
      .build();
  private static final String ECR_IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/precache/sample-model:v1";

  private static AwsClients clients;
  /** The build instance, from a stack of the minimal template. */
  private static String instanceId;
  private static String instanceStack;

  private TestActivityEnvironment activities;

  @BeforeAll
  static void deployBuildInstance() throws Exception {
    clients = new AwsClients(moto.endpoint(), StaticCredentialsProvider.create(
        AwsBasicCredentials.create(MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY)));
    instanceStack = "precache-moto-instance";
    instanceId = createMinimalStack(instanceStack, "moto-build");
  }

  @AfterAll
  static void closeClients() {
    if (clients != null) {
      clients.close();
    }
  }

  @BeforeEach
  void newActivityEnvironment() {
    activities = TestActivityEnvironment.newInstance();
    activities.registerActivitiesImplementations(
        new StackActivitiesImpl(clients, POLL_INTERVAL),
        new InstanceActivitiesImpl(clients, POLL_INTERVAL),
        new SnapshotActivitiesImpl(clients, POLL_INTERVAL, Duration.ofSeconds(30)),
        new PublishActivitiesImpl(clients, POLL_INTERVAL),
        new BuilderActivitiesImpl(clients, POLL_INTERVAL));
  }

  @AfterEach
  void closeActivityEnvironment() {
    activities.close();
  }

  @Test
  void deployStackNeedsWhatMotoLacks() {
    BuildRequest request = BuildRequestValidator.normalize(BuildRequest.of(REGION, List.of("docker.io/library/busybox:latest")));
    BuildIdentity identity = BuildIdentity.of("it-moto-deploy", "run-1", request.name());

    // moto resolves the AmiId parameter's default, an AWS public parameter it neither ships nor lets anyone write,
    // and answers CreateStack with an internal error (500), which the activity rightly takes for transient: it asks
    // again within its creation window, then fails so that Temporal retries it.
    assertThatThrownBy(() -> stack().deployStack(new StackSpec(identity, request)))
        .isInstanceOf(ActivityFailure.class)
        .cause().isInstanceOfSatisfying(ApplicationFailure.class, failure -> {
          assertThat(failure.getType()).isEqualTo("TransientAwsError");
          assertThat(failure.isNonRetryable()).isFalse();
          assertThat(failure.getOriginalMessage()).startsWith("create stack " + identity.stackName() + " failed: ")
              .contains("Status Code: 500");
        });
    assertThat(describeStack(identity.stackName())).as("stack after the failed CreateStack").isNull();
    assertThatThrownBy(() -> clients.ssm(REGION).putParameter(r -> r.name(request.amiParameter())
        .type(ParameterType.STRING).value(latestAmi())))
        .hasMessageContaining("reserved parameter name");
  }

  @Test
  void theBuilderStackIsCreatedOnceFoundAgainAndDeleted() {
    BuilderActivities builder = activities.newActivityStub(BuilderActivities.class, ONCE);

    BuilderStack created = builder.ensureBuilderStack(REGION);
    BuilderStack found = builder.ensureBuilderStack(REGION);

    assertThat(created.outcome()).isEqualTo(Outcome.CREATED);
    assertThat(created.version()).isEqualTo(1);
    assertThat(created.instanceProfileArn()).startsWith("arn:aws:iam::").endsWith(":instance-profile/"
        + created.instanceProfileName());
    assertThat(found).isEqualTo(new BuilderStack(REGION, BuilderActivities.STACK_NAME, 1,
        created.instanceProfileName(), created.instanceProfileArn(), Outcome.FOUND));

    assertThat(builder.deleteBuilderStack(REGION).outcome()).isEqualTo(Outcome.DELETED);
    assertThat(describeStack(BuilderActivities.STACK_NAME)).as("builder stack after delete").isNull();
    assertThat(builder.deleteBuilderStack(REGION).outcome()).isEqualTo(Outcome.ABSENT);
  }

  @Test
  void deleteStackWaitsUntilTheStackIsGoneAndToleratesAMissingOne() throws Exception {
    String stackName = "precache-moto-delete";
    String stackInstance = createMinimalStack(stackName, "moto-delete");

    stack().deleteStack(REGION, stackName);

    assertThat(describeStack(stackName)).as("stack after deleteStack").isNull();
    assertThat(instanceState(stackInstance)).isEqualTo(InstanceStateName.TERMINATED);
    stack().deleteStack(REGION, stackName);
  }

  @Test
  void stopInstanceWaitsUntilStopped() {
    instance().stopInstance(REGION, instanceId);

    assertThat(instanceState(instanceId)).isEqualTo(InstanceStateName.STOPPED);
  }

  @Test
  void snapshotOfTheDataVolumeIsTaggedFoundAgainByItsBuildCompletedAndDeletedWithItsBuild() {
    BuildIdentity identity = BuildIdentity.of("it-moto-snapshot", "run-1", "moto-snapshot");
    BuildIdentity otherBuild = BuildIdentity.of("it-moto-snapshot", "run-2", "moto-snapshot");
    SnapshotSpec spec = new SnapshotSpec(REGION, instanceId, identity, "precache moto-snapshot: busybox",
        Map.of("team", "gpu"));

    String snapshotId = snapshots().createSnapshot(spec);
    String again = snapshots().createSnapshot(spec);
    SnapshotStatus status = snapshots().awaitSnapshotCompleted(REGION, snapshotId);
    String otherSnapshotId = snapshots().createSnapshot(
        new SnapshotSpec(REGION, instanceId, otherBuild, "precache moto-snapshot: other run", Map.of()));

    assertThat(again).as("a retried createSnapshot finds the first by its build-ID tag").isEqualTo(snapshotId);
    assertThat(otherSnapshotId).isNotEqualTo(snapshotId);
    assertThat(status).isEqualTo(new SnapshotStatus(snapshotId, 100, true));
    Snapshot snapshot = clients.ec2(REGION).describeSnapshots(r -> r.snapshotIds(snapshotId)).snapshots().get(0);
    assertThat(snapshot.volumeId()).isEqualTo(dataVolumeId());
    assertThat(snapshot.description()).isEqualTo("precache moto-snapshot: busybox");
    assertThat(snapshot.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value))).containsExactlyInAnyOrderEntriesOf(Map.of(
        "Name", identity.buildId(), "team", "gpu",
        "precache:build-id", identity.buildId(), "precache:workflow-id", "it-moto-snapshot",
        "precache:state", "building"));
    snapshots().markSnapshotPublished(REGION, otherSnapshotId);
    assertThat(clients.ec2(REGION).describeSnapshots(r -> r.snapshotIds(otherSnapshotId)).snapshots().get(0).tags())
        .as("tagged published, its other tags kept").contains(Tag.builder().key("precache:state").value("published")
            .build(), Tag.builder().key("precache:build-id").value(otherBuild.buildId()).build());

    snapshots().deleteBuildSnapshots(REGION, identity);
    snapshots().deleteBuildSnapshots(REGION, identity);
    assertThat(clients.ec2(REGION).describeSnapshots(r -> r.ownerIds("self")).snapshots())
        .extracting(Snapshot::snapshotId).doesNotContain(snapshotId).contains(otherSnapshotId);
  }

  @Test
  void publishWritesTheSnapshotIdToParameterStore() {
    publisher().publishSnapshotId(REGION, "/karpenter/gpu/snapshot-id", "snap-0123456789abcdef0");
    publisher().publishSnapshotId(REGION, "/karpenter/gpu/snapshot-id", "snap-0fedcba9876543210");

    assertThat(clients.ssm(REGION).getParameter(r -> r.name("/karpenter/gpu/snapshot-id")).parameter().value())
        .isEqualTo("snap-0fedcba9876543210");
  }

  @Test
  void runCommandSendsTheScriptAndWaitsForSuccess() {
    instance().stopKubeletAndRemoveImages(REGION, instanceId);

    Command sent = lastCommand();
    assertThat(sent.documentName()).isEqualTo("AWS-RunShellScript");
    assertThat(sent.comment()).isEqualTo("precache: stop kubelet and remove cached images");
    assertThat(sent.instanceIds()).containsExactly(instanceId);
    assertThat(sent.parameters()).containsEntry("commands", List.of("apiclient exec admin sheltie systemctl stop kubelet"
        + " && apiclient exec admin sheltie sh -c 'ctr -a /run/containerd/containerd.sock -n k8s.io images ls -q"
        + " | xargs -r ctr -a /run/containerd/containerd.sock -n k8s.io images rm'"));
  }

  @Test
  void ecrPullLeavesTheTokenToTheInstanceAndParksNothing() {
    BuildIdentity identity = BuildIdentity.of("it-moto-pull", "run-1", "moto-pull");

    // moto's Run Command runs nothing, so the image never shows up in the listing that follows the pull.
    assertThatThrownBy(() -> instance().pullImage(new PullSpec(REGION, instanceId, identity, ECR_IMAGE, "linux/amd64")))
        .isInstanceOf(ActivityFailure.class)
        .cause().isInstanceOfSatisfying(ApplicationFailure.class,
            failure -> assertThat(failure.getType()).isEqualTo(BuildFailures.IMAGE_MISSING));

    String pull = clients.ssm(REGION).listCommands().commands().stream()
        .filter(command -> command.comment().startsWith("precache: pull "))
        .map(command -> command.parameters().get("commands").get(0))
        .findFirst().orElseThrow();
    assertThat(pull).contains("/usr/libexec/kubernetes/kubelet/plugins/ecr-credential-provider | ",
        " images pull --label io.cri-containerd.image=managed --label io.cri-containerd.pinned=pinned"
            + " --platform linux/amd64 --user AWS:{} " + ECR_IMAGE + "' && ").doesNotContain("{{ssm:");
    assertThat(parameterNamesUnder(identity.credentialsPath())).as("nothing parked for the pull").isEmpty();
  }

  @Test
  void deleteRegistryCredentialsRemovesEveryParameterOfTheBuildInBatches() {
    BuildIdentity identity = BuildIdentity.of("it-moto-credentials", "run-1", "moto-credentials");
    BuildIdentity other = BuildIdentity.of("it-moto-credentials", "run-2", "moto-credentials");
    SsmClient ssm = clients.ssm(REGION);
    IntStream.range(0, 12).forEach(i -> ssm.putParameter(r -> r.name(identity.credentialsPath() + "pull-" + i)
        .type(ParameterType.STRING).value("password-" + i)));
    ssm.putParameter(r -> r.name(other.credentialsPath() + "pull-0").type(ParameterType.STRING).value("other"));

    instance().deleteRegistryCredentials(REGION, identity);

    assertThat(parameterNamesUnder(identity.credentialsPath())).isEmpty();
    assertThat(parameterNamesUnder(other.credentialsPath())).containsExactly(other.credentialsPath() + "pull-0");
  }

  @Test
  void instanceTypeLookupReadsMotosDescribeInstanceTypes() {
    // moto serves a dump of the real DescribeInstanceTypes: the lookup reads it as it reads EC2's.
    InstanceCapacity.Family g5 = instance().describeInstanceCapacity(REGION, "g5.2xlarge");

    assertThat(g5.instance()).isEqualTo(new InstanceCapacity("g5.2xlarge", 8, 5, 10));
    assertThat(g5.family()).contains(new InstanceCapacity("g5.4xlarge", 16, 10, 25))
        .allMatch(type -> type.instanceType().startsWith("g5."));
    assertThat(instance().describeInstanceCapacity(REGION, "m5.large").instance())
        .isEqualTo(new InstanceCapacity("m5.large", 2, 0.75, 10));
  }

  private StackActivities stack() {
    return activities.newActivityStub(StackActivities.class, ONCE);
  }

  private InstanceActivities instance() {
    return activities.newActivityStub(InstanceActivities.class, ONCE);
  }

  private SnapshotActivities snapshots() {
    return activities.newActivityStub(SnapshotActivities.class, ONCE);
  }

  private PublishActivities publisher() {
    return activities.newActivityStub(PublishActivities.class, ONCE);
  }

  /** Creates a stack of the minimal template with the production client, waits for it; returns its instance. */
  private static String createMinimalStack(String stackName, String buildId) throws Exception {
    CloudFormationClient cloudFormation = clients.cloudFormation(REGION);
    String template = minimalTemplate();
    cloudFormation.createStack(r -> r.stackName(stackName)
        .templateBody(template)
        .capabilities(Capability.CAPABILITY_IAM, Capability.CAPABILITY_NAMED_IAM)
        .clientRequestToken("precache-" + buildId)
        .parameters(parameter("AmiId", latestAmi()), parameter("BuildId", buildId)));
    Stack stack = describeStack(stackName);
    for (int i = 0; i < 100 && stack.stackStatus() == StackStatus.CREATE_IN_PROGRESS; i++) {
      Thread.sleep(POLL_INTERVAL.toMillis());
      stack = describeStack(stackName);
    }
    assertThat(stack.stackStatus()).isEqualTo(StackStatus.CREATE_COMPLETE);
    return stack.outputs().stream().filter(output -> output.outputKey().equals("InstanceId")).findFirst()
        .orElseThrow().outputValue();
  }

  /** The stack, or null once CloudFormation says it does not exist. */
  private static Stack describeStack(String stackName) {
    try {
      Stack stack = clients.cloudFormation(REGION).describeStacks(r -> r.stackName(stackName)).stacks().get(0);
      return stack.stackStatus() == StackStatus.DELETE_COMPLETE ? null : stack;
    } catch (CloudFormationException e) {
      assertThat(e.awsErrorDetails().errorMessage()).contains("does not exist");
      return null;
    }
  }

  private static Parameter parameter(String key, String value) {
    return Parameter.builder().parameterKey(key).parameterValue(value).build();
  }

  private static String minimalTemplate() throws IOException {
    try (InputStream in = MotoConformanceTest.class.getResourceAsStream("/moto/minimal-build-instance.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** One of the AMIs moto ships. */
  private static String latestAmi() {
    return clients.ec2(REGION).describeImages(r -> r.owners("amazon")).images().get(0).imageId();
  }

  private static InstanceStateName instanceState(String id) {
    return clients.ec2(REGION).describeInstances(r -> r.instanceIds(id))
        .reservations().get(0).instances().get(0).state().name();
  }

  private static String dataVolumeId() {
    Ec2Client ec2 = clients.ec2(REGION);
    return ec2.describeInstances(r -> r.instanceIds(instanceId)).reservations().get(0).instances().get(0)
        .blockDeviceMappings().stream().filter(mapping -> mapping.deviceName().equals("/dev/xvdb"))
        .findFirst().orElseThrow().ebs().volumeId();
  }

  private static Command lastCommand() {
    List<Command> commands = clients.ssm(REGION).listCommands().commands();
    return commands.get(commands.size() - 1);
  }

  private static List<String> parameterNamesUnder(String path) {
    return clients.ssm(REGION).getParametersByPath(r -> r.path(path).recursive(true)).parameters().stream()
        .map(software.amazon.awssdk.services.ssm.model.Parameter::name).toList();
  }
}
