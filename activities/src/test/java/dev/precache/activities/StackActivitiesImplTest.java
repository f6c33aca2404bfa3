package dev.precache.activities;

import static dev.precache.activities.ActivityTesting.FAST_POLL;
import static dev.precache.activities.ActivityTesting.IDENTITY;
import static dev.precache.activities.ActivityTesting.OPTIONS;
import static dev.precache.activities.ActivityTesting.REGION;
import static dev.precache.activities.ActivityTesting.applicationFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.StackActivities;
import dev.precache.workflows.StackActivities.StackOutputs;
import dev.precache.workflows.StackActivities.StackSpec;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.AlreadyExistsException;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.CreateStackRequest;
import software.amazon.awssdk.services.cloudformation.model.CreateStackResponse;
import software.amazon.awssdk.services.cloudformation.model.DeleteStackRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStackEventsRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStackEventsResponse;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksResponse;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.ResourceStatus;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.cloudformation.model.Tag;

class StackActivitiesImplTest {

  private static final String STACK_ID = "arn:aws:cloudformation:us-west-2:123456789012:stack/x/1";

  private final CloudFormationClient cloudFormation = mock(CloudFormationClient.class);
  private final AwsClients clients = mock(AwsClients.class);
  private final List<String> heartbeats = new ArrayList<>();
  private TestActivityEnvironment env;
  private StackActivities activities;

  @BeforeEach
  void setUp() {
    when(clients.cloudFormation(REGION)).thenReturn(cloudFormation);
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new StackActivitiesImpl(clients, FAST_POLL));
    env.setActivityHeartbeatListener(String.class, heartbeats::add);
    activities = env.newActivityStub(StackActivities.class, OPTIONS);
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void deployStackCreatesTheStackAndWaitsUntilItIsComplete() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class)))
        .thenReturn(stacks(StackStatus.CREATE_IN_PROGRESS), stacks(StackStatus.CREATE_IN_PROGRESS),
            stacks(StackStatus.CREATE_COMPLETE));

    StackOutputs outputs = activities.deployStack(spec());

    assertThat(outputs).isEqualTo(new StackOutputs(STACK_ID, "i-0123"));
    ArgumentCaptor<CreateStackRequest> create = ArgumentCaptor.forClass(CreateStackRequest.class);
    verify(cloudFormation).createStack(create.capture());
    CreateStackRequest request = create.getValue();
    assertThat(request.stackName()).isEqualTo(IDENTITY.stackName());
    assertThat(request.clientRequestToken()).isEqualTo(IDENTITY.clientRequestToken());
    assertThat(request.capabilities()).containsExactly(Capability.CAPABILITY_IAM, Capability.CAPABILITY_NAMED_IAM);
    assertThat(request.onFailureAsString()).isNull();
    assertThat(request.templateBody()).contains("AWS::EC2::LaunchTemplate");
    assertThat(request.tags()).contains(
        Tag.builder().key("team").value("ml").build(),
        Tag.builder().key("precache:build-id").value(IDENTITY.buildId()).build());
    assertThat(request.parameters()).contains(
        parameter("InstanceType", "g5.xlarge"), parameter("VolumeSize", "200"), parameter("Encrypted", "true"),
        parameter("KmsKeyId", "alias/ebs"), parameter("AssociatePublicIp", "false"),
        parameter("BuildId", IDENTITY.buildId()), parameter("BuildName", "gpu"));
    assertThat(request.parameters()).extracting(Parameter::parameterKey)
        .doesNotContain("SubnetId", "VolumeIops", "InstanceRoleName");
    // The SDK throttles heartbeats, so only the first of a quick series reaches the listener.
    assertThat(heartbeats).startsWith("CreateStack").isSubsetOf("CreateStack", "CREATE_IN_PROGRESS");
  }

  @Test
  void deployStackAsksAgainWhileCreateStackIsThrottled() {
    when(cloudFormation.createStack(any(CreateStackRequest.class)))
        .thenThrow(throttled(), throttled())
        .thenReturn(CreateStackResponse.builder().stackId(STACK_ID).build());
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class)))
        .thenReturn(stacks(StackStatus.CREATE_COMPLETE));

    assertThat(activities.deployStack(spec()).instanceId()).isEqualTo("i-0123");
    verify(cloudFormation, times(3)).createStack(any(CreateStackRequest.class));
    assertThat(heartbeats).first().isEqualTo("CreateStack");
  }

  @Test
  void aStackWaitRidesOutRefusedDescribesInOneAttempt() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class)))
        .thenThrow(throttled(), throttled(), throttled())
        .thenReturn(stacks(StackStatus.CREATE_COMPLETE));

    assertThat(activities.deployStack(spec()).instanceId()).isEqualTo("i-0123");
    verify(cloudFormation, times(4)).describeStacks(any(DescribeStacksRequest.class));
  }

  @Test
  void aStackWaitEndsAtOnceOnAPermanentError() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenThrow(
        CloudFormationException.builder().statusCode(403)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").errorMessage("no").build()).build());

    ApplicationFailure failure = applicationFailure(catchThrowable(() -> activities.deployStack(spec())));

    assertThat(failure.getType()).isEqualTo(BuildFailures.ACCESS_DENIED);
    verify(cloudFormation, times(1)).describeStacks(any(DescribeStacksRequest.class));
  }

  @Test
  void deployStackDoesNotAskAgainWhenCreateStackIsDenied() {
    when(cloudFormation.createStack(any(CreateStackRequest.class))).thenThrow(
        CloudFormationException.builder().statusCode(403)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").errorMessage("no").build()).build());

    ApplicationFailure failure = applicationFailure(catchThrowable(() -> activities.deployStack(spec())));

    assertThat(failure.getType()).isEqualTo(BuildFailures.ACCESS_DENIED);
    verify(cloudFormation, times(1)).createStack(any(CreateStackRequest.class));
  }

  @Test
  void aCancelledDeployStopsAskingCloudFormationToCreateTheStack() {
    AtomicInteger calls = new AtomicInteger();
    when(cloudFormation.createStack(any(CreateStackRequest.class))).thenAnswer(call -> {
      if (calls.incrementAndGet() == 2) {
        env.requestCancelActivity();
      }
      throw throttled();
    });

    // The production poll interval, so CreateStack is asked again after 1 s, then 2 s; and a short heartbeat
    // timeout, so that the SDK's heartbeat throttling delivers the cancel within those 2 s.
    env.close();
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new StackActivitiesImpl(clients, Duration.ofSeconds(5)));
    StackActivities quicklyHeartbeating = env.newActivityStub(StackActivities.class,
        ActivityOptions.newBuilder(OPTIONS).setHeartbeatTimeout(Duration.ofSeconds(2)).build());

    Throwable thrown = catchThrowable(() -> quicklyHeartbeating.deployStack(spec()));

    assertThat(thrown).isInstanceOf(CanceledFailure.class);
    assertThat(calls).as("no CreateStack after the cancel was seen").hasValue(2);
  }

  @Test
  void deployStackWaitsForTheStackAnEarlierAttemptCreated() {
    when(cloudFormation.createStack(any(CreateStackRequest.class)))
        .thenThrow(AlreadyExistsException.builder().message("Stack [x] already exists").build());
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class)))
        .thenReturn(stacks(StackStatus.CREATE_IN_PROGRESS), stacks(StackStatus.CREATE_COMPLETE));

    assertThat(activities.deployStack(spec()).instanceId()).isEqualTo("i-0123");
  }

  @Test
  void deployStackFailsWithTheReasonOfTheFirstFailedResource() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class)))
        .thenReturn(stacks(StackStatus.ROLLBACK_IN_PROGRESS));
    when(cloudFormation.describeStackEvents(any(DescribeStackEventsRequest.class)))
        .thenReturn(DescribeStackEventsResponse.builder().stackEvents(
            event(IDENTITY.stackName(), "AWS::CloudFormation::Stack", ResourceStatus.ROLLBACK_IN_PROGRESS,
                "The following resource(s) failed to create: [Instance, InstanceProfile]"),
            event("InstanceProfile", "AWS::IAM::InstanceProfile", ResourceStatus.CREATE_FAILED,
                "Resource creation cancelled"),
            event("Instance", "AWS::EC2::Instance", ResourceStatus.CREATE_FAILED,
                "The requested configuration is currently not supported"),
            event("LaunchTemplate", "AWS::EC2::LaunchTemplate", ResourceStatus.CREATE_COMPLETE, null))
            .build());

    ApplicationFailure failure = applicationFailure(catchThrowable(() -> activities.deployStack(spec())));

    assertThat(failure.getType()).isEqualTo(BuildFailures.STACK_FAILED);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains(IDENTITY.stackName())
        .contains("Instance (AWS::EC2::Instance): The requested configuration is currently not supported");
  }

  @Test
  void deleteStackWaitsUntilTheStackIsGone() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class)))
        .thenReturn(stacks(StackStatus.DELETE_IN_PROGRESS))
        .thenThrow(stackDoesNotExist());

    activities.deleteStack(REGION, IDENTITY.stackName());

    verify(cloudFormation).deleteStack(DeleteStackRequest.builder().stackName(IDENTITY.stackName()).build());
    assertThat(heartbeats).containsExactly("DELETE_IN_PROGRESS");
  }

  @Test
  void deleteStackOfAStackThatNeverExistedSucceeds() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class))).thenThrow(stackDoesNotExist());

    activities.deleteStack(REGION, IDENTITY.stackName());

    verify(cloudFormation, times(1)).deleteStack(any(DeleteStackRequest.class));
  }

  @Test
  void deleteFailedIsRetryableSoTheNextAttemptDeletesAgain() {
    when(cloudFormation.describeStacks(any(DescribeStacksRequest.class)))
        .thenReturn(stacks(StackStatus.DELETE_FAILED));
    when(cloudFormation.describeStackEvents(any(DescribeStackEventsRequest.class)))
        .thenReturn(DescribeStackEventsResponse.builder().stackEvents(
            event("InstanceRole", "AWS::IAM::Role", ResourceStatus.DELETE_FAILED, "Cannot delete entity"))
            .build());

    ApplicationFailure failure =
        applicationFailure(catchThrowable(() -> activities.deleteStack(REGION, IDENTITY.stackName())));

    assertThat(failure.isNonRetryable()).isFalse();
    assertThat(BuildFailures.PERMANENT).doesNotContain(failure.getType());
    assertThat(failure.getOriginalMessage()).contains("InstanceRole (AWS::IAM::Role): Cannot delete entity");
  }

  private static StackSpec spec() {
    BuildRequest request = new BuildRequest("gpu", REGION, List.of("docker.io/library/busybox:latest"),
        List.of("linux/amd64"), "/aws/service/bottlerocket/aws-k8s-1.33-nvidia/x86_64/latest/image_id",
        "g5.xlarge", true, "alias/ebs", 200, null, "sg-1", null, null, false, Map.of("team", "ml"), null, 4,
        null, null);
    return new StackSpec(IDENTITY, request);
  }

  private static DescribeStacksResponse stacks(StackStatus status) {
    return DescribeStacksResponse.builder().stacks(Stack.builder()
        .stackId(STACK_ID)
        .stackName(IDENTITY.stackName())
        .stackStatus(status)
        .outputs(Output.builder().outputKey("InstanceId").outputValue("i-0123").build())
        .build()).build();
  }

  private static StackEvent event(String logicalId, String type, ResourceStatus status, String reason) {
    return StackEvent.builder().logicalResourceId(logicalId).resourceType(type).resourceStatus(status)
        .resourceStatusReason(reason).build();
  }

  private static Parameter parameter(String key, String value) {
    return Parameter.builder().parameterKey(key).parameterValue(value).build();
  }

  private static CloudFormationException throttled() {
    return (CloudFormationException) CloudFormationException.builder()
        .statusCode(400)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("Throttling").errorMessage("Rate exceeded").build())
        .build();
  }

  private static CloudFormationException stackDoesNotExist() {
    return (CloudFormationException) CloudFormationException.builder()
        .statusCode(400)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ValidationError")
            .errorMessage("Stack with id " + IDENTITY.stackName() + " does not exist").build())
        .build();
  }
}
