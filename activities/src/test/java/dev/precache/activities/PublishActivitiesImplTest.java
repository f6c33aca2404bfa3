package dev.precache.activities;

import static dev.precache.activities.ActivityTesting.FAST_POLL;
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

import dev.precache.workflows.PublishActivities;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.PutParameterRequest;
import software.amazon.awssdk.services.ssm.model.PutParameterResponse;
import software.amazon.awssdk.services.ssm.model.SsmException;

class PublishActivitiesImplTest {

  private final SsmClient ssm = mock(SsmClient.class);
  private final AwsClients clients = mock(AwsClients.class);
  private final software.amazon.awssdk.services.ec2.Ec2Client ec2 =
      mock(software.amazon.awssdk.services.ec2.Ec2Client.class);
  private TestActivityEnvironment env;
  private PublishActivities publish;

  @BeforeEach
  void setUp() {
    when(clients.ssm(REGION)).thenReturn(ssm);
    when(clients.ec2(REGION)).thenReturn(ec2);
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new PublishActivitiesImpl(clients, FAST_POLL));
    publish = env.newActivityStub(PublishActivities.class, OPTIONS);
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private static SsmException error(int status, String code) {
    return (SsmException) SsmException.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
  }

  @Test
  void publishesTheSnapshotIdAsAStringParameterOverwritingThePreviousOne() {
    publish.publishSnapshotId(REGION, "/karpenter/gpu/snapshot-id", "snap-1");

    verify(ssm).putParameter(PutParameterRequest.builder()
        .name("/karpenter/gpu/snapshot-id").type(ParameterType.STRING).overwrite(true).value("snap-1").build());
    // Retention finds the parameter again from this tag and keeps the snapshot it names.
    verify(ec2).createTags(software.amazon.awssdk.services.ec2.model.CreateTagsRequest.builder().resources("snap-1")
        .tags(software.amazon.awssdk.services.ec2.model.Tag.builder().key("precache:published")
            .value("/karpenter/gpu/snapshot-id").build()).build());
  }

  @Test
  void throttlingAndServerErrorsAreRiddenOutWithinTheAttempt() {
    when(ssm.putParameter(any(PutParameterRequest.class)))
        .thenThrow(error(500, "InternalServerError"), error(400, "ThrottlingException"))
        .thenReturn(PutParameterResponse.builder().version(2L).build());

    publish.publishSnapshotId(REGION, "/karpenter/gpu/snapshot-id", "snap-1");

    verify(ssm, times(3)).putParameter(any(PutParameterRequest.class));
  }

  @Test
  void aRefusalIsPermanentAndTriedOnce() {
    when(ssm.putParameter(any(PutParameterRequest.class))).thenThrow(error(400, "AccessDeniedException"));

    ApplicationFailure failure = applicationFailure(catchThrowable(() ->
        publish.publishSnapshotId(REGION, "/karpenter/gpu/snapshot-id", "snap-1")));

    assertThat(failure.isNonRetryable()).isTrue();
    verify(ssm, times(1)).putParameter(any(PutParameterRequest.class));
  }
}
