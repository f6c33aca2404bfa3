package dev.precache.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.cloudformation.waiters.CloudFormationWaiter;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.EbsBlockDevice;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotState;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ec2.waiters.Ec2Waiter;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.CommandInvocationStatus;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.InstanceInformation;
import software.amazon.awssdk.services.ssm.model.InvocationDoesNotExistException;
import software.amazon.awssdk.services.ssm.model.ParameterAlreadyExistsException;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.PingStatus;
import software.amazon.awssdk.services.ssm.waiters.SsmWaiter;
import software.amazon.awssdk.services.sts.StsClient;

/** The real AWS SDK v2 against an ephemeral-port simulator: every call goes over HTTP. */
class SimulatorSdkTest extends SdkOverHttpTest {
    private static String template() throws IOException {
        try (InputStream in = SimulatorSdkTest.class.getResourceAsStream("/templates/precache-build-instance.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String createStack(String name) {
        return createStack(name, "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id");
    }

    private static String createStack(String name, String amiParameter) {
        return cfn.createStack(r -> r.stackName(name).templateBody(uncheckedTemplate())
                .clientRequestToken("token-" + name)
                .capabilities(software.amazon.awssdk.services.cloudformation.model.Capability.CAPABILITY_IAM)
                .parameters(
                        Parameter.builder().parameterKey("AmiId")
                                .parameterValue(amiParameter).build(),
                        Parameter.builder().parameterKey("VolumeSize").parameterValue("100").build(),
                        Parameter.builder().parameterKey("VolumeThroughput").parameterValue("500").build(),
                        Parameter.builder().parameterKey("VolumeIops").parameterValue("4000").build()))
                .stackId();
    }

    private static String uncheckedTemplate() {
        try {
            return template();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String createdInstance(String stackName) throws IOException {
        createStack(stackName);
        try (CloudFormationWaiter waiter = CloudFormationWaiter.builder().client(cfn)
                .overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilStackCreateComplete(r -> r.stackName(stackName));
        }
        Stack stack = cfn.describeStacks(r -> r.stackName(stackName)).stacks().get(0);
        return stack.outputs().stream().filter(o -> o.outputKey().equals("InstanceId")).findFirst().orElseThrow()
                .outputValue();
    }

    private static void waitOnline(String instanceId) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            List<InstanceInformation> info = ssm.describeInstanceInformation(r -> r.filters(
                    f -> f.key("InstanceIds").values(instanceId))).instanceInformationList();
            if (!info.isEmpty() && info.get(0).pingStatus() == PingStatus.ONLINE) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(instanceId + " never came Online");
    }

    @Test
    void stateSerialisesWhileAStackIsAlive() throws Exception {
        createdInstance("state-1");

        java.net.http.HttpResponse<String> state = java.net.http.HttpClient.newBuilder()
                .proxy(java.net.http.HttpClient.Builder.NO_PROXY).build()
                .send(java.net.http.HttpRequest.newBuilder(URI.create(server.endpoint() + "/_sim/state")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(state.statusCode()).as(state.body()).isEqualTo(200);
        assertThat(state.body()).contains("\"name\":\"state-1\"", "\"volumes\":[{");
    }

    @Test
    void stackCreatesInstanceWithRequestedDataVolume() throws IOException {
        String instanceId = createdInstance("build-1");

        Stack stack = cfn.describeStacks(r -> r.stackName("build-1")).stacks().get(0);
        assertThat(stack.stackStatus()).isEqualTo(StackStatus.CREATE_COMPLETE);
        assertThat(stack.parameters()).anySatisfy(p -> {
            assertThat(p.parameterKey()).isEqualTo("AmiId");
            assertThat(p.resolvedValue()).startsWith("ami-");
        });
        List<StackEvent> events = cfn.describeStackEvents(r -> r.stackName("build-1")).stackEvents();
        assertThat(events.get(0).resourceStatusAsString()).isEqualTo("CREATE_COMPLETE");
        assertThat(events).extracting(StackEvent::logicalResourceId).contains("InstanceRole", "InstanceProfile",
                "LaunchTemplate", "Instance");

        try (Ec2Waiter waiter = Ec2Waiter.builder().client(ec2).overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilInstanceRunning(r -> r.instanceIds(instanceId));
        }
        Instance instance = ec2.describeInstances(r -> r.filters(
                Filter.builder().name("tag:Name").values("build-1").build())).reservations().get(0).instances().get(0);
        assertThat(instance.instanceId()).isEqualTo(instanceId);
        assertThat(instance.instanceTypeAsString()).isEqualTo("m5.large");
        String dataVolumeId = instance.blockDeviceMappings().stream()
                .filter(m -> m.deviceName().equals("/dev/xvdb")).findFirst().orElseThrow().ebs().volumeId();
        Volume volume = ec2.describeVolumes(r -> r.volumeIds(dataVolumeId)).volumes().get(0);
        assertThat(volume.size()).isEqualTo(100);
        assertThat(volume.throughput()).isEqualTo(500);
        assertThat(volume.iops()).isEqualTo(4000);
        assertThat(volume.volumeTypeAsString()).isEqualTo("gp3");

        // Same name and token: same stack. Same name, other token: AlreadyExists.
        assertThat(createStack("build-1")).isEqualTo(stack.stackId());
        assertThatThrownBy(() -> cfn.createStack(r -> r.stackName("build-1").templateBody(uncheckedTemplate())))
                .isInstanceOfSatisfying(CloudFormationException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AlreadyExistsException"));
    }

    @Test
    void aSecureStringTakesTheDefaultKeyAndTagsOnlyWhenCreatedAsParameterStoreDoes() {
        ssm.putParameter(r -> r.name("/precache/builds/b-9/registry/h/1").type(ParameterType.SECURE_STRING)
                .value("bG9naW4=").tags(t -> t.key("precache:build-id").value("b-9")));
        assertThatThrownBy(() -> ssm.putParameter(r -> r.name("/precache/builds/b-9/registry/h/1")
                .type(ParameterType.SECURE_STRING).value("bG9naW4=").overwrite(true)
                .tags(t -> t.key("precache:build-id").value("b-9"))))
                .isInstanceOfSatisfying(AwsServiceException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .startsWith("Invalid request: tags and overwrite can't be used together."));
        ssm.putParameter(r -> r.name("/precache/builds/b-9/registry/h/1").type(ParameterType.SECURE_STRING)
                .value("bmV3").overwrite(true));
        ssm.addTagsToResource(r -> r.resourceType("Parameter").resourceId("/precache/builds/b-9/registry/h/1")
                .tags(t -> t.key("team").value("ml")));

        var stored = server.cloud().region("us-west-2").ssm().findParameter("/precache/builds/b-9/registry/h/1").orElseThrow();
        assertThat(stored.keyId()).isEqualTo("alias/aws/ssm");
        assertThat(stored.version()).isEqualTo(2);
        assertThat(server.cloud().region("us-west-2").ssm().tagsOf("/precache/builds/b-9/registry/h/1"))
                .isEqualTo(Map.of("precache:build-id", "b-9", "team", "ml"));
        assertThat(ssm.getParameter(r -> r.name("/precache/builds/b-9/registry/h/1").withDecryption(true))
                .parameter().value()).isEqualTo("bmV3");
        ssm.deleteParameter(r -> r.name("/precache/builds/b-9/registry/h/1"));
        assertThat(server.cloud().region("us-west-2").ssm().tagsOf("/precache/builds/b-9/registry/h/1")).isEmpty();
    }

    @Test
    void runCommandThroughSsmAndKeepSecretsOutOfHistory() throws Exception {
        String instanceId = createdInstance("build-2");
        waitOnline(instanceId);
        ssm.putParameter(r -> r.name("/precache/token").type(ParameterType.SECURE_STRING).value("s3cr3t"));
        assertThatThrownBy(() -> ssm.putParameter(r -> r.name("/precache/token").type(ParameterType.SECURE_STRING)
                .value("again"))).isInstanceOf(ParameterAlreadyExistsException.class);

        String commandId = ssm.sendCommand(r -> r.documentName("AWS-RunShellScript").instanceIds(instanceId)
                .comment("pull").parameters(Map.of("commands", List.of("echo {{ssm:/precache/token}}"),
                        "executionTimeout", List.of("600")))).command().commandId();
        try (SsmWaiter waiter = SsmWaiter.builder().client(ssm).overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilCommandExecuted(r -> r.commandId(commandId).instanceId(instanceId));
        }
        GetCommandInvocationResponse done = ssm.getCommandInvocation(r -> r.commandId(commandId).instanceId(instanceId));
        assertThat(done.status()).isEqualTo(CommandInvocationStatus.SUCCESS);
        assertThat(done.responseCode()).isZero();
        assertThat(done.standardOutputContent()).isEqualTo("s3cr3t\n");

        assertThat(ssm.listCommands(r -> r.commandId(commandId)).commands().get(0).parameters().get("commands"))
                .containsExactly("echo {{ssm:/precache/token}}");
        assertThat(ssm.listCommandInvocations(r -> r.commandId(commandId).details(true)).commandInvocations().get(0)
                .commandPlugins().get(0).statusAsString()).isEqualTo("Success");
        assertThatThrownBy(() -> ssm.getCommandInvocation(r -> r.commandId("nope").instanceId(instanceId)))
                .isInstanceOf(InvocationDoesNotExistException.class);
    }

    @Test
    void stopThenSnapshotRecordsVolumeContents() throws Exception {
        String instanceId = createdInstance("build-3");
        waitOnline(instanceId);
        ec2.stopInstances(r -> r.instanceIds(instanceId));
        try (Ec2Waiter waiter = Ec2Waiter.builder().client(ec2).overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilInstanceStopped(r -> r.instanceIds(instanceId));
            assertThat(ssm.describeInstanceInformation(r -> r.filters(f -> f.key("InstanceIds").values(instanceId)))
                    .instanceInformationList().get(0).pingStatus()).isEqualTo(PingStatus.CONNECTION_LOST);

            String volumeId = ec2.describeVolumes(r -> r.filters(
                    Filter.builder().name("attachment.instance-id").values(instanceId).build(),
                    Filter.builder().name("attachment.device").values("/dev/xvdb").build())).volumes().get(0).volumeId();
            var created = ec2.createSnapshot(r -> r.volumeId(volumeId).description("images: a, b")
                    .tagSpecifications(t -> t.resourceType(ResourceType.SNAPSHOT)
                            .tags(g -> g.key("precache:build").value("b-3"))));
            assertThat(created.state()).isEqualTo(SnapshotState.PENDING);
            waiter.waitUntilSnapshotCompleted(r -> r.snapshotIds(created.snapshotId()));
        }
        Snapshot done = ec2.describeSnapshots(r -> r.ownerIds("self").filters(
                Filter.builder().name("tag:precache:build").values("b-3").build())).snapshots().get(0);
        assertThat(done.progress()).isEqualTo("100%");
        assertThat(done.volumeSize()).isEqualTo(100);
        // Nothing was pulled, so the snapshot of the data volume holds no image.
        assertThat(server.cloud().snapshot(done.snapshotId()).orElseThrow().contents()).isEmpty();

        ec2.deleteSnapshot(r -> r.snapshotId(done.snapshotId()));
        assertThatThrownBy(() -> ec2.describeSnapshots(r -> r.snapshotIds(done.snapshotId())))
                .isInstanceOfSatisfying(Ec2Exception.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSnapshot.NotFound"));
    }

    @Test
    void deletingTheStackTerminatesTheInstanceAndItsVolumes() throws IOException {
        String instanceId = createdInstance("build-4");
        String stackId = cfn.describeStacks(r -> r.stackName("build-4")).stacks().get(0).stackId();
        cfn.deleteStack(r -> r.stackName("build-4"));
        try (CloudFormationWaiter waiter = CloudFormationWaiter.builder().client(cfn)
                .overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilStackDeleteComplete(r -> r.stackName("build-4"));
        }
        assertThat(ec2.describeInstances(r -> r.instanceIds(instanceId)).reservations().get(0).instances().get(0)
                .state().name()).isEqualTo(InstanceStateName.TERMINATED);
        assertThat(ec2.describeVolumes(r -> r.filters(Filter.builder().name("attachment.instance-id")
                .values(instanceId).build())).volumes()).isEmpty();
        assertThatThrownBy(() -> cfn.describeStacks(r -> r.stackName("build-4")))
                .hasMessageContaining("Stack with id build-4 does not exist");
        assertThat(cfn.describeStacks(r -> r.stackName(stackId)).stacks().get(0).stackStatus())
                .isEqualTo(StackStatus.DELETE_COMPLETE);
        cfn.deleteStack(r -> r.stackName("build-4"));
    }

    @Test
    void injectedThrottlingReachesTheSdk() {
        server.cloud().faults().addError("ec2", "DescribeSnapshots", "RequestLimitExceeded", 1.0);
        server.cloud().faults().addError("ssm", "GetParameter", "ThrottlingException", 1.0);
        try (Ec2Client noRetry = configure(Ec2Client.builder())
                .overrideConfiguration(c -> c.retryStrategy(
                        software.amazon.awssdk.retries.DefaultRetryStrategy.doNotRetry())).build();
             SsmClient ssmNoRetry = configure(SsmClient.builder())
                     .overrideConfiguration(c -> c.retryStrategy(
                             software.amazon.awssdk.retries.DefaultRetryStrategy.doNotRetry())).build()) {
            assertThatThrownBy(noRetry::describeSnapshots).isInstanceOfSatisfying(Ec2Exception.class, e -> {
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("RequestLimitExceeded");
                assertThat(e.isThrottlingException()).isTrue();
            });
            assertThatThrownBy(() -> ssmNoRetry.getParameter(r -> r.name("/x")))
                    .isInstanceOfSatisfying(software.amazon.awssdk.services.ssm.model.SsmException.class,
                            e -> assertThat(e.isThrottlingException()).isTrue());
        }
    }

    @Test
    void injectedRollbackEndsInRollbackCompleteWithReason() throws IOException {
        server.cloud().faults().rollbackStacks("Instance i-x failed to stabilize");
        createStack("build-5");
        try (CloudFormationWaiter waiter = CloudFormationWaiter.builder().client(cfn)
                .overrideConfiguration(FAST_WAIT).build()) {
            assertThatThrownBy(() -> waiter.waitUntilStackCreateComplete(r -> r.stackName("build-5")))
                    .hasMessageContaining("ROLLBACK");
        }
        for (int i = 0; i < 500 && !cfn.describeStacks(r -> r.stackName("build-5")).stacks().get(0).stackStatusAsString()
                .equals("ROLLBACK_COMPLETE"); i++) {
            sleep(20);
        }
        assertThat(cfn.describeStacks(r -> r.stackName("build-5")).stacks().get(0).stackStatus())
                .isEqualTo(StackStatus.ROLLBACK_COMPLETE);
        assertThat(cfn.describeStackEvents(r -> r.stackName("build-5")).stackEvents())
                .anySatisfy(e -> {
                    assertThat(e.resourceStatusAsString()).isEqualTo("CREATE_FAILED");
                    assertThat(e.resourceStatusReason()).contains("failed to stabilize");
                });
        assertThat(server.cloud().allInstances()).isEmpty();
    }

    @Test
    void aHeldCommandStaysPendingUntilTheFaultIsLifted() throws Exception {
        String instanceId = createdInstance("build-9");
        waitOnline(instanceId);
        server.cloud().faults().holdCommandsCommented("^precache: verify");
        String held = ssm.sendCommand(r -> r.documentName("AWS-RunShellScript").instanceIds(instanceId)
                .comment("precache: verify content").parameters(Map.of("commands", List.of("echo held"))))
                .command().commandId();
        String other = ssm.sendCommand(r -> r.documentName("AWS-RunShellScript").instanceIds(instanceId)
                .comment("precache: stop kubelet").parameters(Map.of("commands", List.of("echo other"))))
                .command().commandId();
        try (SsmWaiter waiter = SsmWaiter.builder().client(ssm).overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilCommandExecuted(r -> r.commandId(other).instanceId(instanceId));
            assertThat(ssm.getCommandInvocation(r -> r.commandId(held).instanceId(instanceId)).status())
                    .isEqualTo(CommandInvocationStatus.PENDING);

            server.cloud().faults().clear();
            waiter.waitUntilCommandExecuted(r -> r.commandId(held).instanceId(instanceId));
        }
        assertThat(ssm.getCommandInvocation(r -> r.commandId(held).instanceId(instanceId)).standardOutputContent())
                .isEqualTo("held\n");
    }

    @Test
    void stuckStoppingYieldsOnlyToForce() throws Exception {
        String instanceId = createdInstance("build-6");
        server.cloud().faults().instanceStuckStopping(true);
        ec2.stopInstances(r -> r.instanceIds(instanceId));
        sleep(200);
        assertThat(state(instanceId)).isEqualTo(InstanceStateName.STOPPING);
        ec2.stopInstances(r -> r.instanceIds(instanceId).force(true));
        try (Ec2Waiter waiter = Ec2Waiter.builder().client(ec2).overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilInstanceStopped(r -> r.instanceIds(instanceId));
        }
    }

    @Test
    void injectedSnapshotErrorFailsTheWaiter() throws IOException {
        String instanceId = createdInstance("build-7");
        server.cloud().faults().snapshotError("internal copy failure");
        String volumeId = ec2.describeInstances(r -> r.instanceIds(instanceId)).reservations().get(0).instances().get(0)
                .blockDeviceMappings().get(1).ebs().volumeId();
        String snapshotId = ec2.createSnapshot(r -> r.volumeId(volumeId)).snapshotId();
        try (Ec2Waiter waiter = Ec2Waiter.builder().client(ec2).overrideConfiguration(FAST_WAIT).build()) {
            assertThatThrownBy(() -> waiter.waitUntilSnapshotCompleted(r -> r.snapshotIds(snapshotId)))
                    .hasMessageContaining("error");
        }
    }

    @Test
    void nvidiaImageOnCpuInstanceNeverComesOnline() throws Exception {
        createStack("build-8", "/aws/service/bottlerocket/aws-k8s-1.33-nvidia/x86_64/latest/image_id");
        try (CloudFormationWaiter waiter = CloudFormationWaiter.builder().client(cfn)
                .overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilStackCreateComplete(r -> r.stackName("build-8"));
        }
        sleep(400); // well past the usual registration delay
        assertThat(ssm.describeInstanceInformation(r -> r.filters(f -> f.key("InstanceIds").values(
                server.cloud().allInstances().iterator().next().instanceId()))).instanceInformationList()).isEmpty();
        String instanceId = server.cloud().allInstances().iterator().next().instanceId();
        assertThatThrownBy(() -> ssm.sendCommand(r -> r.documentName("AWS-RunShellScript").instanceIds(instanceId)
                .parameters(Map.of("commands", List.of("true"))))).hasMessageContaining("not in a valid state");
    }

    @Test
    void ecrTokenAndCallerIdentity() {
        try (EcrClient ecr = configure(EcrClient.builder()).build(); StsClient sts = configure(StsClient.builder()).build()) {
            var data = ecr.getAuthorizationToken().authorizationData().get(0);
            assertThat(new String(Base64.getDecoder().decode(data.authorizationToken()), StandardCharsets.UTF_8))
                    .startsWith("AWS:");
            assertThat(data.proxyEndpoint()).isEqualTo("https://123456789012.dkr.ecr.us-west-2.amazonaws.com");
            assertThat(sts.getCallerIdentity().account()).isEqualTo("123456789012");
        }
    }

    @Test
    void adminEndpoints() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.port();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/_sim/health")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("\"ok\"");
        HttpResponse<String> faults = http.send(HttpRequest.newBuilder(URI.create(base + "/_sim/faults"))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "errors:\n  - {service: sts, operation: GetCallerIdentity, error: InternalError, rate: 1.0}\n"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(faults.statusCode()).isEqualTo(200);
        try (StsClient sts = configure(StsClient.builder()).overrideConfiguration(c -> c.retryStrategy(
                software.amazon.awssdk.retries.DefaultRetryStrategy.doNotRetry())).build()) {
            assertThatThrownBy(sts::getCallerIdentity).hasMessageContaining("InternalError");
        }
        http.send(HttpRequest.newBuilder(URI.create(base + "/_sim/reset")).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        ssm.putParameter(r -> r.name("/p").type(ParameterType.STRING).value("v"));
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/_sim/state")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("\"/p\"");
    }

    private static InstanceStateName state(String instanceId) {
        return ec2.describeInstances(r -> r.instanceIds(instanceId)).reservations().get(0).instances().get(0)
                .state().name();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
