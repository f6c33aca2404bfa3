package dev.precache.activities;

import static dev.precache.activities.ActivityTesting.FAST_POLL;
import static dev.precache.activities.ActivityTesting.OPTIONS;
import static dev.precache.activities.ActivityTesting.REGION;
import static dev.precache.activities.ActivityTesting.applicationFailure;
import static dev.precache.activities.SsmCommands.commandsPage;
import static dev.precache.activities.SsmCommands.invocation;
import static dev.precache.activities.SsmCommands.invocationDoesNotExist;
import static dev.precache.activities.SsmCommands.listed;
import static dev.precache.activities.SsmCommands.noCommands;
import static dev.precache.activities.SsmCommands.sent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static software.amazon.awssdk.services.ssm.model.CommandInvocationStatus.CANCELLED;
import static software.amazon.awssdk.services.ssm.model.CommandInvocationStatus.CANCELLING;
import static software.amazon.awssdk.services.ssm.model.CommandInvocationStatus.DELAYED;
import static software.amazon.awssdk.services.ssm.model.CommandInvocationStatus.FAILED;
import static software.amazon.awssdk.services.ssm.model.CommandInvocationStatus.IN_PROGRESS;
import static software.amazon.awssdk.services.ssm.model.CommandInvocationStatus.PENDING;
import static software.amazon.awssdk.services.ssm.model.CommandInvocationStatus.SUCCESS;
import static software.amazon.awssdk.services.ssm.model.CommandInvocationStatus.TIMED_OUT;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.InstanceActivities;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ssm.model.SsmException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.CommandFilterKey;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationRequest;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.ListCommandsRequest;
import software.amazon.awssdk.services.ssm.model.SendCommandRequest;

/** Every status an SSM command invocation can report, driven through a short command (stop kubelet). */
class CommandRunnerTest {

  private static final String INSTANCE = "i-0123";
  private static final String STEP = "stop kubelet";

  private final SsmClient ssm = mock(SsmClient.class);
  private final AwsClients clients = mock(AwsClients.class);
  private final List<String> heartbeats = new ArrayList<>();
  private TestActivityEnvironment env;
  private InstanceActivities activities;

  @BeforeEach
  void setUp() {
    when(clients.ssm(REGION)).thenReturn(ssm);
    when(ssm.sendCommand(any(SendCommandRequest.class))).thenReturn(sent("cmd-1"));
    when(ssm.listCommands(any(ListCommandsRequest.class))).thenReturn(noCommands());
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new InstanceActivitiesImpl(clients, FAST_POLL));
    env.setActivityHeartbeatListener(String.class, heartbeats::add);
    activities = env.newActivityStub(InstanceActivities.class, OPTIONS);
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void pendingThenInProgressThenSuccess() {
    whenInvoked(invocation(STEP, PENDING), invocation(STEP, IN_PROGRESS), invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    ArgumentCaptor<SendCommandRequest> sent = ArgumentCaptor.forClass(SendCommandRequest.class);
    verify(ssm).sendCommand(sent.capture());
    SendCommandRequest request = sent.getValue();
    assertThat(request.documentName()).isEqualTo("AWS-RunShellScript");
    assertThat(request.comment()).isEqualTo("precache: stop kubelet");
    assertThat(request.instanceIds()).containsExactly(INSTANCE);
    assertThat(request.timeoutSeconds()).isEqualTo(120);
    assertThat(request.parameters().get("commands"))
        .containsExactly("apiclient exec admin sheltie systemctl stop kubelet");
    assertThat(request.parameters().get("executionTimeout")).containsExactly("300");
    assertThat(heartbeats).isNotEmpty().containsOnly("cmd-1");
  }

  @Test
  void theCommandIdIsHeartbeatedAsSoonAsItIsSent() {
    List<String> heartbeatsBeforeFirstPoll = new ArrayList<>();
    when(ssm.getCommandInvocation(any(GetCommandInvocationRequest.class))).thenAnswer(call -> {
      if (heartbeatsBeforeFirstPoll.isEmpty()) {
        heartbeatsBeforeFirstPoll.addAll(heartbeats);
      }
      return invocation(STEP, SUCCESS);
    });

    activities.stopKubelet(REGION, INSTANCE);

    assertThat(heartbeatsBeforeFirstPoll).containsExactly("cmd-1");
  }

  @Test
  void aThrottledSendCommandIsSentAgain() {
    when(ssm.sendCommand(any(SendCommandRequest.class))).thenThrow(ssmError(400, "ThrottlingException"))
        .thenReturn(sent("cmd-1"));
    whenInvoked(invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm, times(2)).sendCommand(any(SendCommandRequest.class));
  }

  @Test
  void aSendCommandToRunOnceThatFailedWithAServerErrorButReachedSsmIsNotSentTwice() {
    String removal = "remove cached images";
    when(ssm.sendCommand(any(SendCommandRequest.class))).thenThrow(ssmError(500, "InternalServerError"));
    when(ssm.listCommands(any(ListCommandsRequest.class)))
        .thenReturn(noCommands()) // before sending
        .thenReturn(commandsPage(null, listed("cmd-1", removal, Instant.now()))); // after the failed send
    whenInvoked(invocation(removal, SUCCESS));

    activities.removeCachedImages(REGION, INSTANCE);

    verify(ssm, times(1)).sendCommand(any(SendCommandRequest.class));
    verify(ssm, times(2)).listCommands(any(ListCommandsRequest.class));
  }

  @Test
  void kubeletIsStoppedAndTheImagesRemovedByOneCommandSentOnce() {
    String step = "stop kubelet and remove cached images";
    when(ssm.sendCommand(any(SendCommandRequest.class))).thenThrow(ssmError(500, "InternalServerError"));
    when(ssm.listCommands(any(ListCommandsRequest.class)))
        .thenReturn(noCommands()) // before sending
        .thenReturn(commandsPage(null, listed("cmd-1", step, Instant.now()))); // after the failed send
    whenInvoked(invocation(step, SUCCESS));

    activities.stopKubeletAndRemoveImages(REGION, INSTANCE);

    ArgumentCaptor<SendCommandRequest> sent = ArgumentCaptor.forClass(SendCommandRequest.class);
    verify(ssm, times(1)).sendCommand(sent.capture());
    assertThat(sent.getValue().comment()).isEqualTo("precache: " + step);
    assertThat(sent.getValue().parameters().get("commands")).containsExactly(
        "apiclient exec admin sheltie systemctl stop kubelet && apiclient exec admin sheltie sh -c"
            + " 'ctr -a /run/containerd/containerd.sock -n k8s.io images ls -q"
            + " | xargs -r ctr -a /run/containerd/containerd.sock -n k8s.io images rm'");
  }

  @Test
  void aHarmlessCommandIsSentAgainAfterAServerErrorWithoutLookingForTheFirst() {
    when(ssm.sendCommand(any(SendCommandRequest.class))).thenThrow(ssmError(500, "InternalServerError"))
        .thenReturn(sent("cmd-2"));
    whenInvoked(invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm, times(2)).sendCommand(any(SendCommandRequest.class));
    // The one listing is the retry's look before sending (the test environment reports no first attempt), none after.
    verify(ssm, times(1)).listCommands(any(ListCommandsRequest.class));
    ArgumentCaptor<GetCommandInvocationRequest> read = ArgumentCaptor.forClass(GetCommandInvocationRequest.class);
    verify(ssm, atLeastOnce()).getCommandInvocation(read.capture());
    assertThat(read.getAllValues()).extracting(GetCommandInvocationRequest::commandId).containsOnly("cmd-2");
  }

  @Test
  void aRefusedListingIsAskedAgainWithinTheAttempt() {
    when(ssm.listCommands(any(ListCommandsRequest.class))).thenThrow(ssmError(500, "InternalServerError"))
        .thenReturn(noCommands());
    whenInvoked(invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm, times(2)).listCommands(any(ListCommandsRequest.class));
    verify(ssm, times(1)).sendCommand(any(SendCommandRequest.class));
  }

  private static SsmException ssmError(int status, String code) {
    return (SsmException) SsmException.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
  }

  @Test
  void delayedIsWaitedFor() {
    whenInvoked(invocation(STEP, DELAYED), invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm, times(2)).getCommandInvocation(any(GetCommandInvocationRequest.class));
  }

  @Test
  void invocationNotYetVisibleRightAfterSendingIsWaitedFor() {
    when(ssm.getCommandInvocation(any(GetCommandInvocationRequest.class)))
        .thenThrow(invocationDoesNotExist(), invocationDoesNotExist())
        .thenReturn(invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm).sendCommand(any(SendCommandRequest.class));
  }

  @Test
  void failedWithNotFoundIsANonRetryableImageNotFoundCarryingTheOutput() {
    whenInvoked(invocation(STEP, IN_PROGRESS), invocation(STEP, FAILED, "Failed", "resolving",
        "ctr: failed to resolve reference \"docker.io/library/nope:1\": docker.io/library/nope:1: not found", 1));

    ApplicationFailure failure = failureOf(() -> activities.stopKubelet(REGION, INSTANCE));

    assertThat(failure.getType()).isEqualTo(BuildFailures.IMAGE_NOT_FOUND);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains("exit code 1").contains("resolving")
        .contains("docker.io/library/nope:1: not found");
  }

  @Test
  void failedUnauthorizedIsNonRetryable() {
    whenInvoked(invocation(STEP, FAILED, "Failed", "",
        "failed to resolve reference: pulling from host 1.dkr.ecr: 401 Unauthorized", 1));

    ApplicationFailure failure = failureOf(() -> activities.stopKubelet(REGION, INSTANCE));

    assertThat(failure.getType()).isEqualTo(BuildFailures.UNAUTHORIZED);
    assertThat(failure.isNonRetryable()).isTrue();
  }

  @Test
  void failedWithNoSpaceLeftIsNonRetryable() {
    whenInvoked(invocation(STEP, FAILED, "Failed", "",
        "failed to extract layer: write /var/lib/containerd/x: no space left on device", 1));

    ApplicationFailure failure = failureOf(() -> activities.stopKubelet(REGION, INSTANCE));

    assertThat(failure.getType()).isEqualTo(BuildFailures.NO_SPACE_LEFT);
    assertThat(failure.getOriginalMessage()).contains("no space left on device");
  }

  @Test
  void exit127IsACommandFailureEvenThoughTheShellSaysNotFound() {
    whenInvoked(invocation(STEP, FAILED, "Failed", "", "sh: apiclient: command not found", 127));

    ApplicationFailure failure = failureOf(() -> activities.stopKubelet(REGION, INSTANCE));

    assertThat(failure.getType()).isEqualTo(BuildFailures.COMMAND_FAILED);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains("exit code 127").contains("command not found");
  }

  @Test
  void timedOutIsRetryableAndNamesTheStatus() {
    whenInvoked(invocation(STEP, IN_PROGRESS), invocation(STEP, TIMED_OUT, "ExecutionTimedOut", "", "", 124));

    ApplicationFailure failure = failureOf(() -> activities.stopKubelet(REGION, INSTANCE));

    assertThat(failure.isNonRetryable()).isFalse();
    assertThat(BuildFailures.PERMANENT).doesNotContain(failure.getType());
    assertThat(failure.getOriginalMessage()).contains("cmd-1").contains("TimedOut");
  }

  @Test
  void cancelledIsRetryable() {
    whenInvoked(invocation(STEP, CANCELLED));

    ApplicationFailure failure = failureOf(() -> activities.stopKubelet(REGION, INSTANCE));

    assertThat(failure.isNonRetryable()).isFalse();
    assertThat(failure.getOriginalMessage()).contains("Cancelled");
  }

  @Test
  void cancellingIsWaitedForUntilCancelled() {
    whenInvoked(invocation(STEP, CANCELLING), invocation(STEP, CANCELLING), invocation(STEP, CANCELLED));

    ApplicationFailure failure = failureOf(() -> activities.stopKubelet(REGION, INSTANCE));

    assertThat(failure.getOriginalMessage()).contains("Cancelled");
    verify(ssm, times(3)).getCommandInvocation(any(GetCommandInvocationRequest.class));
  }

  @Test
  void undeliverableIsRetryable() {
    whenInvoked(invocation(STEP, FAILED, "Undeliverable", "", "", -1));

    ApplicationFailure failure = failureOf(() -> activities.stopKubelet(REGION, INSTANCE));

    assertThat(failure.isNonRetryable()).isFalse();
    assertThat(failure.getOriginalMessage()).contains("Undeliverable");
  }

  @Test
  void aRetryWaitsForTheCommandItsPreviousAttemptSentInsteadOfSendingAnother() {
    env.setHeartbeatDetails("cmd-previous");
    whenInvoked(invocation(STEP, IN_PROGRESS), invocation(STEP, IN_PROGRESS), invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm, never()).sendCommand(any(SendCommandRequest.class));
    ArgumentCaptor<GetCommandInvocationRequest> polled = ArgumentCaptor.forClass(GetCommandInvocationRequest.class);
    verify(ssm, atLeastOnce()).getCommandInvocation(polled.capture());
    assertThat(polled.getAllValues()).extracting(GetCommandInvocationRequest::commandId).containsOnly("cmd-previous");
  }

  @Test
  void aRetryUsesTheResultOfACommandThatAlreadySucceeded() {
    env.setHeartbeatDetails("cmd-previous");
    whenInvoked(invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm, never()).sendCommand(any(SendCommandRequest.class));
  }

  @Test
  void aRetrySendsAFreshCommandWhenThePreviousOneFailed() {
    env.setHeartbeatDetails("cmd-previous");
    whenInvoked(invocation(STEP, TIMED_OUT), invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm).sendCommand(any(SendCommandRequest.class));
  }

  @Test
  void aRetryIgnoresACommandOfAnotherStep() {
    env.setHeartbeatDetails("cmd-of-another-step");
    whenInvoked(invocation("list images", IN_PROGRESS), invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm).sendCommand(any(SendCommandRequest.class));
  }

  @Test
  void aRetryWithoutHeartbeatWaitsForItsStepsCommandFoundOnTheInstance() {
    when(ssm.listCommands(any(ListCommandsRequest.class)))
        .thenReturn(commandsPage(null, listed("cmd-unheartbeated", STEP, Instant.now().minusSeconds(20))));
    whenInvoked("cmd-unheartbeated", invocation(STEP, IN_PROGRESS), invocation(STEP, IN_PROGRESS),
        invocation(STEP, IN_PROGRESS), invocation(STEP, SUCCESS));
    Instant before = Instant.now();

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm, never()).sendCommand(any(SendCommandRequest.class));
    verify(ssm, times(4)).getCommandInvocation(any(GetCommandInvocationRequest.class));
    assertThat(heartbeats).isNotEmpty().containsOnly("cmd-unheartbeated");
    ArgumentCaptor<ListCommandsRequest> listed = ArgumentCaptor.forClass(ListCommandsRequest.class);
    verify(ssm).listCommands(listed.capture());
    assertThat(listed.getValue().instanceId()).isEqualTo(INSTANCE);
    assertThat(listed.getValue().filters()).singleElement().satisfies(filter -> {
      assertThat(filter.key()).isEqualTo(CommandFilterKey.INVOKED_AFTER);
      // delivery timeout (2 min) + the short commands' execution timeout (5 min), to the second
      assertThat(Instant.parse(filter.value()))
          .isBetween(before.minus(Duration.ofMinutes(7)).minusSeconds(1), Instant.now().minus(Duration.ofMinutes(7)));
    });
  }

  @Test
  void theNewestRunningOrSucceededCommandOfTheStepIsResumed() {
    Instant now = Instant.now();
    when(ssm.listCommands(any(ListCommandsRequest.class))).thenReturn(commandsPage(null,
        listed("cmd-oldest", STEP, now.minusSeconds(300)),
        listed("cmd-newest", STEP, now.minusSeconds(10)),
        listed("cmd-middle", STEP, now.minusSeconds(120))));
    whenInvoked("cmd-newest", invocation(STEP, CANCELLED));
    whenInvoked("cmd-middle", invocation(STEP, PENDING), invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm, never()).sendCommand(any(SendCommandRequest.class));
    assertThat(heartbeats).containsOnly("cmd-middle");
    verify(ssm, never()).getCommandInvocation(invocationRequest("cmd-oldest"));
  }

  @Test
  void aFailedCommandOfTheStepOnTheInstanceIsNotResumedButSentAgain() {
    when(ssm.listCommands(any(ListCommandsRequest.class)))
        .thenReturn(commandsPage(null, listed("cmd-failed", STEP, Instant.now().minusSeconds(60))));
    whenInvoked("cmd-failed", invocation(STEP, FAILED, "Failed", "", "", 1));
    whenInvoked("cmd-1", invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm).sendCommand(any(SendCommandRequest.class));
    assertThat(heartbeats).containsOnly("cmd-1");
  }

  @Test
  void aLostCommandOfTheStepOnTheInstanceIsNotResumed() {
    when(ssm.listCommands(any(ListCommandsRequest.class)))
        .thenReturn(commandsPage(null, listed("cmd-terminated", STEP, Instant.now().minusSeconds(60))));
    whenInvoked("cmd-terminated", invocation(STEP, IN_PROGRESS, "Terminated", "", "", -1));
    whenInvoked("cmd-1", invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm).sendCommand(any(SendCommandRequest.class));
  }

  @Test
  void aRunningCommandOfAnotherStepOnTheInstanceIsIgnored() {
    when(ssm.listCommands(any(ListCommandsRequest.class)))
        .thenReturn(commandsPage(null, listed("cmd-other", "remove cached images", Instant.now().minusSeconds(5))));
    whenInvoked("cmd-1", invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm).sendCommand(any(SendCommandRequest.class));
    verify(ssm, never()).getCommandInvocation(invocationRequest("cmd-other"));
  }

  @Test
  void theStepsCommandIsFoundOnALaterPage() {
    when(ssm.listCommands(any(ListCommandsRequest.class))).thenReturn(
        commandsPage("page-2", listed("cmd-other", "remove cached images", Instant.now().minusSeconds(5))),
        commandsPage(null, listed("cmd-running", STEP, Instant.now().minusSeconds(30))));
    whenInvoked("cmd-running", invocation(STEP, IN_PROGRESS), invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm, never()).sendCommand(any(SendCommandRequest.class));
    ArgumentCaptor<ListCommandsRequest> listed = ArgumentCaptor.forClass(ListCommandsRequest.class);
    verify(ssm, times(2)).listCommands(listed.capture());
    assertThat(listed.getAllValues()).extracting(ListCommandsRequest::nextToken).containsExactly(null, "page-2");
  }

  @Test
  void theLookupStopsAfterTenPages() {
    when(ssm.listCommands(any(ListCommandsRequest.class))).thenReturn(commandsPage("more"));
    whenInvoked("cmd-1", invocation(STEP, SUCCESS));

    activities.stopKubelet(REGION, INSTANCE);

    verify(ssm, times(10)).listCommands(any(ListCommandsRequest.class));
    verify(ssm).sendCommand(any(SendCommandRequest.class));
  }

  @Test
  void stepsThatDifferOnlyPastTheCommentLimitKeepDifferentComments() {
    String image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/research/vision/multimodal-llm-serving:2025.06.1";
    String amd64 = CommandRunner.comment("pull " + image + " for linux/amd64");
    String arm64 = CommandRunner.comment("pull " + image + " for linux/arm64");

    assertThat(amd64).hasSize(100).startsWith("precache: pull " + image.substring(0, 40)).matches(".* #[0-9a-f]{16}");
    assertThat(arm64).hasSize(100).isNotEqualTo(amd64);
    assertThat(CommandRunner.comment("pull " + image + " for linux/amd64")).isEqualTo(amd64);
    assertThat(CommandRunner.comment(STEP)).isEqualTo("precache: stop kubelet");
  }

  private void whenInvoked(String commandId, GetCommandInvocationResponse first,
                           GetCommandInvocationResponse... rest) {
    SsmCommands.whenInvoked(ssm, INSTANCE, commandId, first, rest);
  }

  private static GetCommandInvocationRequest invocationRequest(String commandId) {
    return GetCommandInvocationRequest.builder().commandId(commandId).instanceId(INSTANCE).build();
  }

  private void whenInvoked(GetCommandInvocationResponse first,
                           GetCommandInvocationResponse... rest) {
    when(ssm.getCommandInvocation(any(GetCommandInvocationRequest.class))).thenReturn(first, rest);
  }

  private static ApplicationFailure failureOf(Runnable call) {
    return applicationFailure(catchThrowable(call::run));
  }
}
