package dev.precache.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.instance.VolumeImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.waiters.CloudFormationWaiter;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.waiters.Ec2Waiter;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.CommandInvocationStatus;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.PingStatus;

/**
 * A build's shape, step by step, through the SDK over HTTP and the real instance runtime: our own stack
 * template (deploy/cloudformation), Run Command scripts as the worker sends them, stop, snapshot.
 */
class BuildFlowSdkTest extends SdkOverHttpTest {
    private static final Path TEMPLATE = Path.of("../deploy/cloudformation/build-instance.yaml");
    static final String CTR = "apiclient exec admin sheltie ctr -a /run/containerd/containerd.sock -n k8s.io images ";
    private static final String BUSYBOX = "docker.io/library/busybox:latest";
    private static final String PRIVATE_SAMPLE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/precache/sample-model:v1";
    static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
    private static final String QWEN3 = "quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b";
    /** 48.6 GB through the gp3 default of 125 MiB/s: about six minutes of simulated time. */
    private static final String LONG_PULLS = pull(LLAMA, "linux/amd64", null) + " && " + pull(LLAMA, "linux/arm64", null)
            + " && " + pull(QWEN3, "linux/amd64", null);

    static String pull(String reference, String platform, String user) {
        return CTR + "pull --label io.cri-containerd.image=managed --platform " + platform
                + (user == null ? "" : " --user " + user) + " " + reference;
    }

    /** Creates our stack, waits for it and for the instance to be Online; returns the instance ID. */
    private static String onlineBuildInstance(String build, String amiParameter, String instanceType) throws Exception {
        return onlineBuildInstance(build, amiParameter, instanceType, List.of());
    }

    static String onlineBuildInstance(String build, String amiParameter, String instanceType,
                                              List<Parameter> more) throws Exception {
        createBuildStack(build, amiParameter, instanceType, more);
        try (CloudFormationWaiter waiter = CloudFormationWaiter.builder().client(cfn).overrideConfiguration(FAST_WAIT)
                .build()) {
            waiter.waitUntilStackCreateComplete(r -> r.stackName("precache-" + build));
        }
        String instanceId = cfn.describeStacks(r -> r.stackName("precache-" + build)).stacks().get(0).outputs().stream()
                .filter(o -> o.outputKey().equals("InstanceId")).findFirst().orElseThrow().outputValue();
        for (int i = 0; i < 500; i++) {
            var info = ssm.describeInstanceInformation(r -> r.filters(f -> f.key("InstanceIds").values(instanceId)))
                    .instanceInformationList();
            if (!info.isEmpty() && info.get(0).pingStatus() == PingStatus.ONLINE) {
                return instanceId;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(instanceId + " never came Online");
    }

    static void createBuildStack(String build, String amiParameter, String instanceType,
                                         List<Parameter> more) throws Exception {
        String template = Files.readString(TEMPLATE, StandardCharsets.UTF_8);
        List<Parameter> parameters = new java.util.ArrayList<>(List.of(parameter("AmiId", amiParameter),
                parameter("InstanceType", instanceType), parameter("BuildId", build), parameter("BuildName", build)));
        if (more.stream().noneMatch(p -> p.parameterKey().equals("VolumeSize"))) {
            parameters.add(parameter("VolumeSize", "50"));
        }
        parameters.addAll(more);
        cfn.createStack(r -> r.stackName("precache-" + build).templateBody(template)
                .capabilities(Capability.CAPABILITY_IAM).parameters(parameters));
    }

    private static String onlineBuildInstance(String build) throws Exception {
        return onlineBuildInstance(build, "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id", "m5.large");
    }

    static Parameter parameter(String key, String value) {
        return Parameter.builder().parameterKey(key).parameterValue(value).build();
    }

    static String send(String instanceId, String script, String executionTimeoutSeconds) {
        return ssm.sendCommand(r -> r.documentName("AWS-RunShellScript").instanceIds(instanceId)
                .parameters(Map.of("commands", List.of(script), "executionTimeout", List.of(executionTimeoutSeconds))))
                .command().commandId();
    }

    static GetCommandInvocationResponse invocation(String commandId, String instanceId) {
        return ssm.getCommandInvocation(r -> r.commandId(commandId).instanceId(instanceId));
    }

    /** Polls GetCommandInvocation until the status is terminal, as the worker does (the SDK waiter fails on non-Success). */
    static GetCommandInvocationResponse finished(String commandId, String instanceId) throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            GetCommandInvocationResponse response = invocation(commandId, instanceId);
            switch (response.status()) {
                case PENDING, IN_PROGRESS, DELAYED -> Thread.sleep(20);
                default -> {
                    return response;
                }
            }
        }
        throw new AssertionError("command " + commandId + " never finished");
    }

    static GetCommandInvocationResponse run(String instanceId, String script) throws InterruptedException {
        return finished(send(instanceId, script, "3600"), instanceId);
    }

    static void waitUntil(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) {
            Thread.sleep(20);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    @Test
    void buildShapedFlowSnapshotsExactlyThePulledImagesAndPlatforms() throws Exception {
        String instanceId = onlineBuildInstance("flow");
        dev.precache.simulator.ec2.Instance simulated = server.cloud().allInstances().iterator().next();
        assertThat(simulated.kubernetesMinorVersion()).isEqualTo(33);

        GetCommandInvocationResponse kubelet = run(instanceId, "apiclient exec admin sheltie systemctl stop kubelet");
        assertThat(kubelet.status()).isEqualTo(CommandInvocationStatus.SUCCESS);
        assertThat(simulated.runtime().kubeletRunning()).isFalse();

        for (String platform : List.of("linux/amd64", "linux/arm64")) {
            GetCommandInvocationResponse pulled = run(instanceId, pull(BUSYBOX, platform, null));
            assertThat(pulled.status()).as(pulled.standardErrorContent()).isEqualTo(CommandInvocationStatus.SUCCESS);
            assertThat(pulled.responseCode()).isZero();
            // containerd 2.x (Kubernetes 1.33) prints its transfer summary.
            assertThat(pulled.standardOutputContent()).startsWith(BUSYBOX + "\tsaved\n")
                    .contains("Completed pull from OCI Registry (" + BUSYBOX + ")");
        }

        CatalogImage busybox = server.cloud().catalog().find(BUSYBOX).orElseThrow();
        String[] listed = run(instanceId, CTR + "ls").standardOutputContent().split("\n");
        assertThat(listed).hasSize(2);
        assertThat(listed[0]).matches("REF +TYPE +DIGEST +SIZE +PLATFORMS +LABELS +");
        assertThat(listed[1]).matches(java.util.regex.Pattern.quote(BUSYBOX)
                + " +application/vnd\\.oci\\.image\\.index\\.v1\\+json +" + busybox.indexDigest()
                + " +[0-9.]+ MiB +linux/amd64,linux/arm64/v8 +io\\.cri-containerd\\.image=managed +");
        assertThat(run(instanceId, CTR + "ls -q").standardOutputContent()).isEqualTo(BUSYBOX + "\n");

        ec2.stopInstances(r -> r.instanceIds(instanceId));
        String snapshotId;
        try (Ec2Waiter waiter = Ec2Waiter.builder().client(ec2).overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilInstanceStopped(r -> r.instanceIds(instanceId));
            String volumeId = ec2.describeVolumes(r -> r.filters(
                    Filter.builder().name("attachment.instance-id").values(instanceId).build(),
                    Filter.builder().name("attachment.device").values("/dev/xvdb").build())).volumes().get(0).volumeId();
            snapshotId = ec2.createSnapshot(r -> r.volumeId(volumeId).description("precache: " + BUSYBOX)).snapshotId();
            waiter.waitUntilSnapshotCompleted(r -> r.snapshotIds(snapshotId));
        }

        List<VolumeImage> contents = server.cloud().snapshot(snapshotId).orElseThrow().contents();
        assertThat(contents)
                .extracting(VolumeImage::namespace, VolumeImage::image, VolumeImage::platform, VolumeImage::digest)
                .containsExactlyInAnyOrder(
                        tuple("k8s.io", BUSYBOX, "linux/amd64", busybox.platform("linux/amd64").orElseThrow().digest()),
                        tuple("k8s.io", BUSYBOX, "linux/arm64", busybox.platform("linux/arm64").orElseThrow().digest()));
        assertThat(contents).allSatisfy(image ->
                assertThat(image.labels()).containsEntry("io.cri-containerd.image", "managed"));

        cfn.deleteStack(r -> r.stackName("precache-flow"));
        try (CloudFormationWaiter waiter = CloudFormationWaiter.builder().client(cfn).overrideConfiguration(FAST_WAIT)
                .build()) {
            waiter.waitUntilStackDeleteComplete(r -> r.stackName("precache-flow"));
        }
        assertThat(server.cloud().allStacks()).extracting(s -> s.status()).containsExactly("DELETE_COMPLETE");
        assertThat(server.cloud().allVolumes()).isEmpty();
        assertThat(server.cloud().allSnapshots()).extracting(s -> s.id()).containsExactly(snapshotId);
    }

    @Test
    void aPendingSnapshotCompletesAfterItsVolumeIsDeleted() throws Exception {
        String instanceId = onlineBuildInstance("gone");
        // About 32 GB on the volume: its snapshot takes minutes, longer than deleting the stack.
        assertThat(run(instanceId, pull(LLAMA, "linux/amd64", null)).status())
                .isEqualTo(CommandInvocationStatus.SUCCESS);
        ec2.stopInstances(r -> r.instanceIds(instanceId));
        String snapshotId;
        try (Ec2Waiter waiter = Ec2Waiter.builder().client(ec2).overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilInstanceStopped(r -> r.instanceIds(instanceId));
            String volumeId = ec2.describeVolumes(r -> r.filters(
                    Filter.builder().name("attachment.instance-id").values(instanceId).build(),
                    Filter.builder().name("attachment.device").values("/dev/xvdb").build())).volumes().get(0).volumeId();
            snapshotId = ec2.createSnapshot(r -> r.volumeId(volumeId)).snapshotId();
        }

        cfn.deleteStack(r -> r.stackName("precache-gone"));
        try (CloudFormationWaiter waiter = CloudFormationWaiter.builder().client(cfn).overrideConfiguration(FAST_WAIT)
                .build()) {
            waiter.waitUntilStackDeleteComplete(r -> r.stackName("precache-gone"));
        }
        assertThat(server.cloud().allVolumes()).isEmpty();
        assertThat(ec2.describeSnapshots(r -> r.snapshotIds(snapshotId)).snapshots().get(0).stateAsString())
                .isEqualTo("pending");
        try (Ec2Waiter waiter = Ec2Waiter.builder().client(ec2).overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilSnapshotCompleted(r -> r.snapshotIds(snapshotId));
        }

        assertThat(server.cloud().snapshot(snapshotId).orElseThrow().contents())
                .extracting(VolumeImage::image, VolumeImage::platform).containsExactly(tuple(LLAMA, "linux/amd64"));
    }

    @Test
    void aDataVolumeCreatedFromASnapshotHoldsItsImagesAndMayNotBeSmaller() throws Exception {
        String builder = onlineBuildInstance("source");
        assertThat(run(builder, pull(BUSYBOX, "linux/amd64", null)).status()).isEqualTo(CommandInvocationStatus.SUCCESS);
        String snapshotId = stoppedDataVolumeSnapshot(builder);

        String restored = onlineBuildInstance("restored", "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id",
                "m5.large", List.of(parameter("DataSnapshotId", snapshotId), parameter("VolumeSize", "60")));
        assertThat(run(restored, CTR + "ls -q").standardOutputContent()).isEqualTo(BUSYBOX + "\n");
        assertThat(ec2.describeVolumes(r -> r.filters(
                Filter.builder().name("attachment.instance-id").values(restored).build(),
                Filter.builder().name("attachment.device").values("/dev/xvdb").build())).volumes().get(0))
                .satisfies(volume -> {
                    assertThat(volume.snapshotId()).isEqualTo(snapshotId);
                    assertThat(volume.size()).isEqualTo(60);
                });

        createBuildStack("too-small", "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id", "m5.large",
                List.of(parameter("DataSnapshotId", snapshotId), parameter("VolumeSize", "20")));
        // The SDK's StackRollbackComplete waiter is for RollbackStack's UPDATE_ROLLBACK_COMPLETE: poll the status.
        waitUntil("the stack rolled back", () -> cfn.describeStacks(r -> r.stackName("precache-too-small")).stacks()
                .get(0).stackStatusAsString().equals("ROLLBACK_COMPLETE"));
        assertThat(cfn.describeStackEvents(r -> r.stackName("precache-too-small")).stackEvents())
                .anySatisfy(event -> assertThat(event.resourceStatusReason())
                        .contains("Volume of size 20GB is smaller than snapshot '" + snapshotId + "', expect size >= 50GB"));
        assertThat(server.cloud().allInstances()).extracting(i -> i.tags().get("precache:build-id"))
                .doesNotContain("too-small");
    }

    @Test
    void aSnapshotOfARestoredVolumeStoresOnlyTheBlocksWrittenSinceItsParentWhichMayThenGo() throws Exception {
        String nginx = "docker.io/library/nginx:1.27";
        String first = onlineBuildInstance("first");
        assertThat(run(first, pull(BUSYBOX, "linux/amd64", null) + " && " + pull(nginx, "linux/amd64", null)).status())
                .isEqualTo(CommandInvocationStatus.SUCCESS);
        String parent = stoppedDataVolumeSnapshot(first);
        var parentSnapshot = server.cloud().snapshot(parent).orElseThrow();
        assertThat(parentSnapshot.blocks().parentSnapshotId()).isNull();
        assertThat(parentSnapshot.blocks().storedBytes()).isEqualTo(parentSnapshot.bytes());

        List<CatalogImage.Layer> before = server.cloud().catalog().find(nginx).orElseThrow().platform("linux/amd64")
                .orElseThrow().layers();
        List<CatalogImage.Layer> after = server.cloud().rebuildImage(nginx).platform("linux/amd64").orElseThrow().layers();
        List<CatalogImage.Layer> changed = after.stream().filter(layer -> !before.contains(layer)).toList();
        assertThat(changed).hasSize(1);
        long changedBytes = changed.get(0).size() + changed.get(0).unpackedSize();

        String nightly = onlineBuildInstance("nightly", "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id",
                "m5.large", List.of(parameter("DataSnapshotId", parent)));
        GetCommandInvocationResponse pulled = run(nightly, CTR + "rm " + BUSYBOX + " && " + pull(nginx, "linux/amd64", null));
        assertThat(pulled.status()).as(pulled.standardErrorContent()).isEqualTo(CommandInvocationStatus.SUCCESS);
        String child = stoppedDataVolumeSnapshot(nightly);
        var childSnapshot = server.cloud().snapshot(child).orElseThrow();
        assertThat(childSnapshot.blocks().parentSnapshotId()).isEqualTo(parent);
        // The changed layer compressed and unpacked, its image's new documents and containerd's metadata pages.
        assertThat(childSnapshot.blocks().storedBytes()).isBetween(changedBytes, changedBytes + (1 << 20));
        assertThat(childSnapshot.blocks().fullBytes()).isEqualTo(childSnapshot.bytes());
        assertThat(ec2.describeSnapshots(r -> r.snapshotIds(child)).snapshots().get(0).fullSnapshotSizeInBytes())
                .isEqualTo(childSnapshot.bytes());
        assertThat(childSnapshot.contents()).extracting(VolumeImage::image).containsExactly(nginx);

        ec2.deleteSnapshot(r -> r.snapshotId(parent));
        String restored = onlineBuildInstance("restored", "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id",
                "m5.large", List.of(parameter("DataSnapshotId", child)));
        assertThat(run(restored, CTR + "ls -q").standardOutputContent()).isEqualTo(nginx + "\n");
        assertThat(run(restored, CTR + "check").standardOutputContent()).contains("complete");
    }

    /** Stops the instance and snapshots its /dev/xvdb; returns the completed snapshot's ID. */
    private static String stoppedDataVolumeSnapshot(String instanceId) throws InterruptedException {
        ec2.stopInstances(r -> r.instanceIds(instanceId));
        try (Ec2Waiter waiter = Ec2Waiter.builder().client(ec2).overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilInstanceStopped(r -> r.instanceIds(instanceId));
            String volumeId = ec2.describeVolumes(r -> r.filters(
                    Filter.builder().name("attachment.instance-id").values(instanceId).build(),
                    Filter.builder().name("attachment.device").values("/dev/xvdb").build())).volumes().get(0).volumeId();
            String snapshotId = ec2.createSnapshot(r -> r.volumeId(volumeId)).snapshotId();
            waiter.waitUntilSnapshotCompleted(r -> r.snapshotIds(snapshotId));
            return snapshotId;
        }
    }

    @Test
    void armInstancePullsItsOwnPlatformWhenNoneIsGiven() throws Exception {
        String instanceId = onlineBuildInstance("arm", "/aws/service/bottlerocket/aws-k8s-1.32/arm64/latest/image_id",
                "m7g.large");
        GetCommandInvocationResponse pulled = run(instanceId,
                CTR + "pull --label io.cri-containerd.image=managed " + BUSYBOX);
        assertThat(pulled.status()).isEqualTo(CommandInvocationStatus.SUCCESS);
        assertThat(server.cloud().allInstances().iterator().next().runtime().volumeContents())
                .extracting(VolumeImage::platform).containsExactly("linux/arm64");
    }

    @Test
    void privateEcrSamplePullsWithThePasswordFromParameterStoreAndOnlyWithIt() throws Exception {
        String instanceId = onlineBuildInstance("ecr");
        GetCommandInvocationResponse anonymous = run(instanceId, pull(PRIVATE_SAMPLE, "linux/amd64", null));
        assertThat(anonymous.status()).isEqualTo(CommandInvocationStatus.FAILED);
        assertThat(anonymous.responseCode()).isEqualTo(1);
        assertThat(anonymous.standardErrorContent()).isEqualTo("ctr: failed to resolve reference \"" + PRIVATE_SAMPLE
                + "\": pulling from host 123456789012.dkr.ecr.us-west-2.amazonaws.com failed with status code "
                + "[manifests v1]: 401 Unauthorized\n");

        AuthorizationData authorization;
        try (EcrClient ecr = configure(EcrClient.builder()).build()) {
            authorization = ecr.getAuthorizationToken().authorizationData().get(0);
        }
        assertThat(authorization.proxyEndpoint()).isEqualTo("https://123456789012.dkr.ecr.us-west-2.amazonaws.com");
        assertThat(authorization.expiresAt()).isAfter(server.cloud().clock().now().plus(Duration.ofHours(11)));
        String password = new String(Base64.getDecoder().decode(authorization.authorizationToken()),
                StandardCharsets.UTF_8).substring("AWS:".length());
        ssm.putParameter(r -> r.name("/precache/builds/x/pull-1").type(ParameterType.SECURE_STRING).value(password));

        String script = pull(PRIVATE_SAMPLE, "linux/amd64", "AWS:{{ssm:/precache/builds/x/pull-1}}");
        String commandId = send(instanceId, script, "3600");
        GetCommandInvocationResponse pulled = finished(commandId, instanceId);
        assertThat(pulled.status()).as(pulled.standardErrorContent()).isEqualTo(CommandInvocationStatus.SUCCESS);
        assertThat(server.cloud().allInstances().iterator().next().runtime().volumeContents())
                .extracting(VolumeImage::image, VolumeImage::platform)
                .containsExactly(tuple(PRIVATE_SAMPLE, "linux/amd64"));
        // The command history keeps the reference, never the password.
        assertThat(ssm.listCommands(r -> r.commandId(commandId)).commands().get(0).parameters().get("commands"))
                .containsExactly(script);
    }

    /** The ECR pull as the worker sends it (activities Containerd.pull): the host gets the password itself. */
    private static String pullWithInstanceRole(String reference, String platform) {
        String request = "{\\\"apiVersion\\\":\\\"credentialprovider.kubelet.k8s.io/v1\\\",\\\"kind\\\":"
                + "\\\"CredentialProviderRequest\\\",\\\"image\\\":\\\"" + reference + "\\\"}";
        return "apiclient exec admin sheltie bash -c 'set -o pipefail && echo \"" + request + "\" | "
                + "/usr/libexec/kubernetes/kubelet/plugins/ecr-credential-provider"
                + " | grep -o \"\\\"password\\\":\\\"[^\\\"]*\\\"\" | cut -d \"\\\"\" -f 4 | xargs -I {} "
                + "ctr -a /run/containerd/containerd.sock -n k8s.io images pull --label io.cri-containerd.image=managed"
                + " --platform " + platform + " --user AWS:{} " + reference + "'";
    }

    @Test
    void privateEcrPullsWithATokenTheInstanceGetsWithItsOwnRole() throws Exception {
        String instanceId = onlineBuildInstance("ecr-role");
        int tokensBefore = server.cloud().requests().calls("ecr", "GetAuthorizationToken").size();

        String script = pullWithInstanceRole(PRIVATE_SAMPLE, "linux/amd64");
        String commandId = send(instanceId, script, "3600");
        GetCommandInvocationResponse pulled = finished(commandId, instanceId);

        assertThat(pulled.status()).as(pulled.standardErrorContent()).isEqualTo(CommandInvocationStatus.SUCCESS);
        assertThat(server.cloud().allInstances().iterator().next().runtime().volumeContents())
                .extracting(VolumeImage::image, VolumeImage::platform)
                .containsExactly(tuple(PRIVATE_SAMPLE, "linux/amd64"));
        assertThat(server.cloud().requests().calls("ecr", "GetAuthorizationToken"))
                .as("no client asked ECR for a token: the instance did, with its role").hasSize(tokensBefore);
        assertThat(ssm.listCommands(r -> r.commandId(commandId)).commands().get(0).parameters().get("commands"))
                .containsExactly(script);
        assertThat(pulled.standardOutputContent() + pulled.standardErrorContent()).doesNotContain("password");
    }

    @Test
    void anInstanceRoleWithoutEcrReadFailsThePullWithTheProvidersError() throws Exception {
        server.cloud().iam().putRole("ssm-only", List.of("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"),
                List.of());
        String template = Files.readString(TEMPLATE, StandardCharsets.UTF_8);
        cfn.createStack(r -> r.stackName("precache-no-ecr").templateBody(template)
                .capabilities(Capability.CAPABILITY_IAM)
                .parameters(parameter("InstanceRoleName", "ssm-only"), parameter("BuildId", "no-ecr"),
                        parameter("BuildName", "no-ecr")));
        try (CloudFormationWaiter waiter = CloudFormationWaiter.builder().client(cfn).overrideConfiguration(FAST_WAIT)
                .build()) {
            waiter.waitUntilStackCreateComplete(r -> r.stackName("precache-no-ecr"));
        }
        String instanceId = server.cloud().allInstances().iterator().next().instanceId();
        waitUntil("the agent online", () -> !ssm.describeInstanceInformation(r -> r.filters(
                f -> f.key("InstanceIds").values(instanceId))).instanceInformationList().isEmpty());

        GetCommandInvocationResponse failed = run(instanceId, pullWithInstanceRole(PRIVATE_SAMPLE, "linux/amd64"));

        assertThat(failed.status()).isEqualTo(CommandInvocationStatus.FAILED);
        assertThat(failed.responseCode()).isEqualTo(1);
        assertThat(failed.standardErrorContent()).contains("Error running credential provider plugin",
                "assumed-role/ssm-only/" + instanceId + " is not authorized to perform: ecr:GetAuthorizationToken");
        assertThat(server.cloud().allInstances().iterator().next().runtime().volumeContents()).isEmpty();
    }

    @Test
    void injectedPullFailureFailsMatchingImagesWithCtrOutput() throws Exception {
        String instanceId = onlineBuildInstance("fault");
        server.cloud().failPullsMatching("nginx", "failed to resolve reference \"docker.io/library/nginx:latest\": "
                + "unexpected status from HEAD request: 503 Service Unavailable");

        GetCommandInvocationResponse failed = run(instanceId, pull("docker.io/library/nginx:latest", "linux/amd64", null));
        assertThat(failed.status()).isEqualTo(CommandInvocationStatus.FAILED);
        assertThat(failed.responseCode()).isEqualTo(1);
        assertThat(failed.standardErrorContent()).isEqualTo("ctr: failed to resolve reference "
                + "\"docker.io/library/nginx:latest\": unexpected status from HEAD request: 503 Service Unavailable\n");
        assertThat(run(instanceId, pull(BUSYBOX, "linux/amd64", null)).status()).isEqualTo(CommandInvocationStatus.SUCCESS);
    }

    @Test
    void executionTimeoutCancelAndStopEndLongPulls() throws Exception {
        String instanceId = onlineBuildInstance("long");
        dev.precache.simulator.ec2.Instance simulated = server.cloud().allInstances().iterator().next();
        GetCommandInvocationResponse timedOut = finished(send(instanceId, LONG_PULLS, "30"), instanceId);
        assertThat(timedOut.status()).isEqualTo(CommandInvocationStatus.TIMED_OUT);
        assertThat(timedOut.statusDetails()).isEqualTo("ExecutionTimedOut");
        assertThat(timedOut.responseCode()).isEqualTo(-1);
        assertThat(timedOut.standardErrorContent()).contains("timed out after 30 seconds");

        String cancelled = send(instanceId, LONG_PULLS, "3600");
        waitUntil("pull in progress",
                () -> invocation(cancelled, instanceId).status() == CommandInvocationStatus.IN_PROGRESS);
        ssm.cancelCommand(r -> r.commandId(cancelled));
        GetCommandInvocationResponse cancelledView = finished(cancelled, instanceId);
        assertThat(cancelledView.status()).isEqualTo(CommandInvocationStatus.CANCELLED);
        assertThat(cancelledView.responseCode()).isEqualTo(-1);

        String interrupted = send(instanceId, LONG_PULLS, "3600");
        waitUntil("pull in progress",
                () -> invocation(interrupted, instanceId).status() == CommandInvocationStatus.IN_PROGRESS);
        ec2.stopInstances(r -> r.instanceIds(instanceId));
        GetCommandInvocationResponse interruptedView = finished(interrupted, instanceId);
        assertThat(interruptedView.status()).isEqualTo(CommandInvocationStatus.FAILED);
        assertThat(interruptedView.responseCode()).isEqualTo(-1);
        assertThat(interruptedView.standardErrorContent()).contains("interrupted");

        // No image is recorded; the blobs the pull had completed stay on the volume, as on a real stopped instance.
        assertThat(simulated.runtime().volumeContents()).isEmpty();
    }

    @Test
    void outputIsCappedAsSsmCapsIt() throws Exception {
        String instanceId = onlineBuildInstance("caps");
        String longWord = "x".repeat(30_000);
        GetCommandInvocationResponse echoed = run(instanceId, "echo " + longWord);
        assertThat(echoed.standardOutputContent()).hasSize(24_000).isEqualTo(longWord.substring(0, 24_000));

        GetCommandInvocationResponse missing = run(instanceId, "y".repeat(9_000));
        assertThat(missing.status()).isEqualTo(CommandInvocationStatus.FAILED);
        assertThat(missing.responseCode()).isEqualTo(127);
        assertThat(missing.standardErrorContent()).hasSize(8_000).startsWith("sh: yyy");
    }
}
