package dev.precache.activities;

import static dev.precache.activities.ActivityTesting.FAST_POLL;
import static dev.precache.activities.ActivityTesting.IDENTITY;
import static dev.precache.activities.ActivityTesting.OPTIONS;
import static dev.precache.activities.ActivityTesting.REGION;
import static dev.precache.activities.ActivityTesting.applicationFailure;
import static dev.precache.activities.SsmCommands.invocation;
import static dev.precache.activities.SsmCommands.invocationDoesNotExist;
import static dev.precache.activities.SsmCommands.noCommands;
import static dev.precache.activities.SsmCommands.sent;
import static dev.precache.activities.SsmCommands.whenInvoked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static software.amazon.awssdk.services.ssm.model.CommandInvocationStatus.FAILED;
import static software.amazon.awssdk.services.ssm.model.CommandInvocationStatus.IN_PROGRESS;
import static software.amazon.awssdk.services.ssm.model.CommandInvocationStatus.SUCCESS;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.CachedImage;
import dev.precache.workflows.InstanceActivities;
import dev.precache.workflows.InstanceActivities.KeepSpec;
import dev.precache.workflows.InstanceActivities.PreparedVolume;
import dev.precache.workflows.InstanceActivities.PullProgress;
import dev.precache.workflows.InstanceActivities.PullSpec;
import dev.precache.workflows.ResolvedLayer;
import dev.precache.workflows.InstanceActivities.VerifySpec;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.StopInstancesRequest;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.GetAuthorizationTokenRequest;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.DeleteParametersRequest;
import software.amazon.awssdk.services.ssm.model.DeleteParametersResponse;
import software.amazon.awssdk.services.ssm.model.DescribeInstanceInformationRequest;
import software.amazon.awssdk.services.ssm.model.DescribeInstanceInformationResponse;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationRequest;
import software.amazon.awssdk.services.ssm.model.GetParametersByPathRequest;
import software.amazon.awssdk.services.ssm.model.GetParametersByPathResponse;
import software.amazon.awssdk.services.ssm.model.InstanceInformation;
import software.amazon.awssdk.services.ssm.model.ListCommandsRequest;
import software.amazon.awssdk.services.ssm.model.Parameter;
import software.amazon.awssdk.services.ssm.model.PingStatus;
import software.amazon.awssdk.services.ssm.model.PutParameterRequest;
import software.amazon.awssdk.services.ssm.model.SendCommandRequest;
import software.amazon.awssdk.services.ssm.model.SsmException;

class InstanceActivitiesImplTest {

  private static final String INSTANCE = "i-0123";
  private static final String ECR_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/models/llama:3";
  private static final String PUBLIC_IMAGE = "docker.io/library/busybox:1.36";
  private static final String LISTING = String.join("\n",
      "REF                                                             TYPE                                                 DIGEST                                                                  SIZE     PLATFORMS                         LABELS",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/models/llama:3     application/vnd.oci.image.index.v1+json              sha256:aaaa                                                             16.2 GiB linux/amd64,linux/arm64/v8       io.cri-containerd.image=managed",
      "docker.io/library/busybox:1.36                                  application/vnd.docker.distribution.manifest.list.v2+json sha256:bbbb                                                        4.3 MiB  linux/amd64                       io.cri-containerd.image=managed");

  private final SsmClient ssm = mock(SsmClient.class);
  private final EcrClient ecr = mock(EcrClient.class);
  private final Ec2Client ec2 = mock(Ec2Client.class);
  private final AwsClients clients = mock(AwsClients.class);
  private TestActivityEnvironment env;
  private InstanceActivities activities;

  @BeforeEach
  void setUp() {
    when(clients.ssm(REGION)).thenReturn(ssm);
    when(clients.ec2(REGION)).thenReturn(ec2);
    when(clients.ecr("eu-west-1")).thenReturn(ecr);
    when(ssm.sendCommand(any(SendCommandRequest.class))).thenReturn(sent("cmd-1"), sent("cmd-2"));
    doThrow(invocationDoesNotExist()).when(ssm).getCommandInvocation(any(GetCommandInvocationRequest.class));
    when(ssm.listCommands(any(ListCommandsRequest.class))).thenReturn(noCommands());
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new InstanceActivitiesImpl(clients, FAST_POLL));
    activities = env.newActivityStub(InstanceActivities.class, OPTIONS);
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void awaitSsmOnlineWaitsUntilTheAgentIsOnline() {
    when(ssm.describeInstanceInformation(any(DescribeInstanceInformationRequest.class))).thenReturn(
        DescribeInstanceInformationResponse.builder().build(),
        information(PingStatus.CONNECTION_LOST),
        information(PingStatus.ONLINE));

    activities.awaitSsmOnline(REGION, INSTANCE);

    ArgumentCaptor<DescribeInstanceInformationRequest> request =
        ArgumentCaptor.forClass(DescribeInstanceInformationRequest.class);
    verify(ssm, times(3)).describeInstanceInformation(request.capture());
    assertThat(request.getValue().filters().get(0).key()).isEqualTo("InstanceIds");
    assertThat(request.getValue().filters().get(0).values()).containsExactly(INSTANCE);
  }

  @Test
  void pullFromEcrLetsTheInstanceGetItsTokenWithItsOwnRole() {
    whenInvoked(ssm, INSTANCE, "cmd-1", invocation(pullStep(ECR_IMAGE, "linux/arm64"), IN_PROGRESS),
        invocation(pullStep(ECR_IMAGE, "linux/arm64"), SUCCESS, null,
            "unpacking linux/amd64 sha256:aaaa...done\n" + LISTING, "", 0));

    CachedImage cached = activities.pullImage(new PullSpec(REGION, INSTANCE, IDENTITY, ECR_IMAGE, "linux/arm64"));

    assertThat(cached).isEqualTo(new CachedImage(ECR_IMAGE, "linux/arm64", "sha256:aaaa", (long) (16.2 * (1L << 30))));
    verify(ecr, never()).getAuthorizationToken(any(GetAuthorizationTokenRequest.class));
    verify(ssm, never()).putParameter(any(PutParameterRequest.class));
    String ctr = "ctr -a /run/containerd/containerd.sock -n k8s.io";
    assertThat(sentCommands()).containsExactly("apiclient exec admin sheltie bash -c 'set -o pipefail && echo "
        + "\"{\\\"apiVersion\\\":\\\"credentialprovider.kubelet.k8s.io/v1\\\",\\\"kind\\\":\\\"CredentialProviderRequest\\\","
        + "\\\"image\\\":\\\"" + ECR_IMAGE + "\\\"}\" | /usr/libexec/kubernetes/kubelet/plugins/ecr-credential-provider"
        + " | grep -o \"\\\"password\\\":\\\"[^\\\"]*\\\"\" | cut -d \"\\\"\" -f 4 | xargs -I {} " + ctr
        + " images pull --label io.cri-containerd.image=managed --label io.cri-containerd.pinned=pinned"
        + " --platform linux/arm64 --user AWS:{} " + ECR_IMAGE + "'"
        + " && apiclient exec admin sheltie " + ctr + " images ls name==" + ECR_IMAGE);
  }

  @Test
  void anInstanceRoleWithoutEcrReadFailsThePullAsUnauthorizedAtOnce() {
    String denied = "E0000 main.go] Error running credential provider plugin: operation error ECR: "
        + "GetAuthorizationToken, https response error StatusCode: 400, api error AccessDeniedException: User: "
        + "arn:aws:sts::123456789012:assumed-role/team-role/i-0123 is not authorized to perform: "
        + "ecr:GetAuthorizationToken on resource: *";
    whenInvoked(ssm, INSTANCE, "cmd-1",
        invocation(pullStep(ECR_IMAGE, "linux/amd64"), FAILED, "Failed", "", denied, 1));

    ApplicationFailure failure = applicationFailure(catchThrowable(() ->
        activities.pullImage(new PullSpec(REGION, INSTANCE, IDENTITY, ECR_IMAGE, "linux/amd64"))));

    assertThat(failure.getType()).isEqualTo(BuildFailures.UNAUTHORIZED);
    assertThat(failure.getOriginalMessage()).contains("not authorized to perform: ecr:GetAuthorizationToken");
    assertThat(sentCommands()).hasSize(1);
    verify(ecr, never()).getAuthorizationToken(any(GetAuthorizationTokenRequest.class));
  }

  @Test
  void aPublicImageIsPulledWithoutCredentials() {
    whenInvoked(ssm, INSTANCE, "cmd-1", invocation(pullStep(PUBLIC_IMAGE, "linux/amd64"), SUCCESS, null,
        LISTING, "", 0));

    CachedImage cached = activities.pullImage(new PullSpec(REGION, INSTANCE, IDENTITY, PUBLIC_IMAGE, "linux/amd64"));

    assertThat(cached.digest()).isEqualTo("sha256:bbbb");
    assertThat(sentCommands().get(0)).doesNotContain("--user")
        .contains("--platform linux/amd64 " + PUBLIC_IMAGE + " && ");
    verify(ecr, never()).getAuthorizationToken(any(GetAuthorizationTokenRequest.class));
    verify(ssm, never()).putParameter(any(PutParameterRequest.class));
    assertThat(sentComments()).containsExactly("precache: pull docker.io/library/busybox:1.36 for linux/amd64");
  }

  @Test
  void aPullWhoseOutputLostItsListingListsTheImageApart() {
    // SSM keeps the first 24,000 characters of a command's output: a long pull log pushes the listing out.
    whenInvoked(ssm, INSTANCE, "cmd-1", invocation(pullStep(PUBLIC_IMAGE, "linux/amd64"), SUCCESS, null,
        "layer-sha256:0000: done\n".repeat(1000).substring(0, 24_000), "", 0));
    whenInvoked(ssm, INSTANCE, "cmd-2",
        invocation("list images after " + pullStep(PUBLIC_IMAGE, "linux/amd64"), SUCCESS, null, LISTING, "", 0));

    CachedImage cached = activities.pullImage(new PullSpec(REGION, INSTANCE, IDENTITY, PUBLIC_IMAGE, "linux/amd64"));

    assertThat(cached.digest()).isEqualTo("sha256:bbbb");
    assertThat(sentComments()).containsExactly(
        "precache: pull docker.io/library/busybox:1.36 for linux/amd64",
        "precache: list images after pull docker.io/library/busybox:1.36 for linux/amd64");
  }

  @Test
  void aRetriedPullResumesTheCommandItsProgressHeartbeatNamesAndSendsOnlyProbes() {
    String layer = "sha256:" + "1".repeat(64);
    env.setHeartbeatDetails(new PullProgress("cmd-previous", PUBLIC_IMAGE, "linux/amd64", 1_000L, 4_000L, null));
    when(ssm.sendCommand(any(SendCommandRequest.class))).thenReturn(sent("probe-1"), sent("probe-2"));
    whenInvoked(ssm, INSTANCE, "cmd-previous", invocation(pullStep(PUBLIC_IMAGE, "linux/amd64"), IN_PROGRESS),
        invocation(pullStep(PUBLIC_IMAGE, "linux/amd64"), IN_PROGRESS),
        invocation(pullStep(PUBLIC_IMAGE, "linux/amd64"), SUCCESS, null, LISTING, "", 0));
    List<Object> heartbeats = new java.util.concurrent.CopyOnWriteArrayList<>();
    env.setActivityHeartbeatListener(Object.class, heartbeats::add);

    CachedImage cached = activities.pullImage(new PullSpec(REGION, INSTANCE, IDENTITY, PUBLIC_IMAGE, "linux/amd64",
        List.of(new ResolvedLayer(layer, "application/vnd.oci.image.layer.v1.tar+gzip", 4_000L))));

    assertThat(cached.digest()).isEqualTo("sha256:bbbb");
    ArgumentCaptor<SendCommandRequest> sentRequests = ArgumentCaptor.forClass(SendCommandRequest.class);
    verify(ssm, atLeastOnce()).sendCommand(sentRequests.capture());
    assertThat(sentRequests.getAllValues()).extracting(SendCommandRequest::comment)
        .allMatch(comment -> comment.startsWith("precache: probe 1 of pull " + PUBLIC_IMAGE)
            || comment.startsWith("precache: probe 2 of pull " + PUBLIC_IMAGE));
    // The probes' answers never came (GetCommandInvocation does not know them): the pull went on without figures.
    assertThat(heartbeats).isNotEmpty().allSatisfy(details ->
        assertThat(details).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
            .containsEntry("commandId", "cmd-previous").containsEntry("downloadedBytes", null));
  }

  @Test
  void keepOnlyImagesRemovesTheOthersSynchronouslyAndSaysWhichLayersAreThereAndTheVolumesUse() {
    whenInvoked(ssm, INSTANCE, "cmd-1", invocation("list the restored images", SUCCESS, null,
        PUBLIC_IMAGE + "\n" + ECR_IMAGE + "\n", "", 0));
    whenInvoked(ssm, INSTANCE, "cmd-2", invocation("remove 1 image(s) no longer wanted", SUCCESS, null,
        PUBLIC_IMAGE + "\n" + Containerd.SECTION_BREAK + "\nsha256:l1\n" + Containerd.SECTION_BREAK
            + "\n      1B-blocks        Used       Avail\n107374182400 42949672960 64424509440\n", "", 0));

    PreparedVolume prepared = activities.keepOnlyImages(
        new KeepSpec(REGION, INSTANCE, List.of(ECR_IMAGE, "docker.io/library/nginx:1.27"), List.of("sha256:l1", "sha256:l2")));

    assertThat(prepared.removedImages()).containsExactly(PUBLIC_IMAGE);
    assertThat(prepared.presentLayers()).containsExactly("sha256:l1");
    assertThat(prepared.usage().usedBytes()).isEqualTo(42949672960L);
    assertThat(sentCommands()).containsExactly(Containerd.LIST_IMAGE_NAMES, Containerd.inOneCommand(List.of(
        Containerd.removeImages(List.of(PUBLIC_IMAGE)), Containerd.listContent(List.of("sha256:l1", "sha256:l2")),
        Containerd.VOLUME_USAGE)));
    assertThat(sentCommands().get(1)).contains("ctr -a /run/containerd/containerd.sock -n k8s.io images rm --sync "
        + PUBLIC_IMAGE);
  }

  @Test
  void verifyReturnsEveryImageAndPlatformWithItsDigest() {
    whenInvoked(ssm, INSTANCE, "cmd-1", invocation("list images to verify", SUCCESS, null, LISTING, "", 0));

    List<CachedImage> cached = activities.verifyCachedImages(
        new VerifySpec(REGION, INSTANCE, List.of(ECR_IMAGE), List.of("linux/amd64", "linux/arm64")));

    assertThat(cached).extracting(CachedImage::platform).containsExactly("linux/amd64", "linux/arm64");
    assertThat(cached).extracting(CachedImage::digest).containsOnly("sha256:aaaa");
    assertThat(sentCommands()).containsExactly(Containerd.listImages(List.of(ECR_IMAGE)));
    assertThat(sentComments()).containsExactly("precache: list images to verify");
  }

  @Test
  void verifyFailsNamingEveryMissingImageAndPlatform() {
    whenInvoked(ssm, INSTANCE, "cmd-1", invocation("list images to verify", SUCCESS, null, LISTING, "", 0));

    ApplicationFailure failure = applicationFailure(catchThrowable(() -> activities.verifyCachedImages(
        new VerifySpec(REGION, INSTANCE, List.of(PUBLIC_IMAGE, "docker.io/vllm/vllm-openai:v0.9"),
            List.of("linux/amd64", "linux/arm64")))));

    assertThat(failure.getType()).isEqualTo(BuildFailures.IMAGE_MISSING);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .contains(PUBLIC_IMAGE + " (linux/arm64)")
        .contains("docker.io/vllm/vllm-openai:v0.9 (linux/amd64)")
        .contains("docker.io/vllm/vllm-openai:v0.9 (linux/arm64)")
        .doesNotContain(PUBLIC_IMAGE + " (linux/amd64)");
  }

  @Test
  void stopInstanceWaitsUntilStopped() {
    when(ec2.describeInstances(any(DescribeInstancesRequest.class)))
        .thenReturn(instanceIn(InstanceStateName.STOPPING), instanceIn(InstanceStateName.STOPPED));

    activities.stopInstance(REGION, INSTANCE);

    verify(ec2).stopInstances(StopInstancesRequest.builder().instanceIds(INSTANCE).force(false).build());
  }

  @Test
  void aRetriedStopIsForced() {
    assertThat(InstanceActivitiesImpl.stopRequest(INSTANCE, 1).force()).isFalse();
    assertThat(InstanceActivitiesImpl.stopRequest(INSTANCE, 2).force()).isTrue();
  }

  @Test
  void stopInstanceOfATerminatedInstanceFails() {
    when(ec2.describeInstances(any(DescribeInstancesRequest.class)))
        .thenReturn(instanceIn(InstanceStateName.TERMINATED));

    ApplicationFailure failure =
        applicationFailure(catchThrowable(() -> activities.stopInstance(REGION, INSTANCE)));

    assertThat(failure.getType()).isEqualTo(BuildFailures.INSTANCE_FAILED);
  }

  @Test
  void deleteRegistryCredentialsDeletesEverythingUnderTheBuildsPath() {
    when(ssm.getParametersByPath(any(GetParametersByPathRequest.class))).thenReturn(
        GetParametersByPathResponse.builder().nextToken("page-2")
            .parameters(Parameter.builder().name(IDENTITY.credentialsPath() + "pull-a").build()).build(),
        GetParametersByPathResponse.builder()
            .parameters(Parameter.builder().name(IDENTITY.credentialsPath() + "pull-b").build()).build());

    activities.deleteRegistryCredentials(REGION, IDENTITY);

    verify(ssm).deleteParameters(DeleteParametersRequest.builder()
        .names(IDENTITY.credentialsPath() + "pull-a", IDENTITY.credentialsPath() + "pull-b").build());
  }

  @Test
  void deleteRegistryCredentialsRidesOutRefusedCallsInOneAttempt() {
    when(ssm.getParametersByPath(any(GetParametersByPathRequest.class)))
        .thenThrow(ssmError(400, "ThrottlingException"), ssmError(500, "InternalServerError"))
        .thenReturn(GetParametersByPathResponse.builder()
            .parameters(Parameter.builder().name(IDENTITY.credentialsPath() + "pull-a").build()).build());
    when(ssm.deleteParameters(any(DeleteParametersRequest.class)))
        .thenThrow(ssmError(400, "ThrottlingException"))
        .thenReturn(DeleteParametersResponse.builder().build());

    activities.deleteRegistryCredentials(REGION, IDENTITY);

    verify(ssm, times(3)).getParametersByPath(any(GetParametersByPathRequest.class));
    verify(ssm, times(2)).deleteParameters(
        DeleteParametersRequest.builder().names(IDENTITY.credentialsPath() + "pull-a").build());
  }

  @Test
  void deleteRegistryCredentialsFailsAtOnceWhenDenied() {
    when(ssm.getParametersByPath(any(GetParametersByPathRequest.class)))
        .thenThrow(ssmError(400, "AccessDeniedException"));

    ApplicationFailure failure =
        applicationFailure(catchThrowable(() -> activities.deleteRegistryCredentials(REGION, IDENTITY)));

    assertThat(failure.getType()).isEqualTo(BuildFailures.ACCESS_DENIED);
    verify(ssm, times(1)).getParametersByPath(any(GetParametersByPathRequest.class));
  }

  @Test
  void deleteRegistryCredentialsWithNoneLeftDeletesNothing() {
    when(ssm.getParametersByPath(any(GetParametersByPathRequest.class)))
        .thenReturn(GetParametersByPathResponse.builder().build());

    activities.deleteRegistryCredentials(REGION, IDENTITY);

    verify(ssm, never()).deleteParameters(any(DeleteParametersRequest.class));
  }

  private static SsmException ssmError(int status, String code) {
    return (SsmException) SsmException.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
  }

  private List<String> sentCommands() {
    ArgumentCaptor<SendCommandRequest> sent = ArgumentCaptor.forClass(SendCommandRequest.class);
    verify(ssm, atLeastOnce()).sendCommand(sent.capture());
    return sent.getAllValues().stream().map(request -> request.parameters().get("commands").get(0)).toList();
  }

  private List<String> sentComments() {
    ArgumentCaptor<SendCommandRequest> sent = ArgumentCaptor.forClass(SendCommandRequest.class);
    verify(ssm, atLeastOnce()).sendCommand(sent.capture());
    return sent.getAllValues().stream().map(SendCommandRequest::comment).toList();
  }

  private static String pullStep(String image, String platform) {
    return "pull " + image + " for " + platform;
  }

  private static DescribeInstanceInformationResponse information(PingStatus ping) {
    return DescribeInstanceInformationResponse.builder().instanceInformationList(
        InstanceInformation.builder().instanceId(INSTANCE).pingStatus(ping).build()).build();
  }

  private static DescribeInstancesResponse instanceIn(InstanceStateName state) {
    return DescribeInstancesResponse.builder().reservations(Reservation.builder().instances(
        Instance.builder().instanceId(INSTANCE).state(s -> s.name(state)).build()).build()).build();
  }
}
