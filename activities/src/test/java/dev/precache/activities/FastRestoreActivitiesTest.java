package dev.precache.activities;

import static dev.precache.activities.ActivityTesting.FAST_POLL;
import static dev.precache.activities.ActivityTesting.OPTIONS;
import static dev.precache.activities.ActivityTesting.REGION;
import static dev.precache.activities.ActivityTesting.applicationFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.SnapshotActivities;
import dev.precache.workflows.SnapshotActivities.FastRestoreStatus;
import dev.precache.workflows.SnapshotContent;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.DeleteTagsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeFastSnapshotRestoreSuccessItem;
import software.amazon.awssdk.services.ec2.model.DescribeFastSnapshotRestoresRequest;
import software.amazon.awssdk.services.ec2.model.DescribeFastSnapshotRestoresResponse;
import software.amazon.awssdk.services.ec2.model.DescribeSnapshotsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSnapshotsResponse;
import software.amazon.awssdk.services.ec2.model.DisableFastSnapshotRestoresRequest;
import software.amazon.awssdk.services.ec2.model.DisableFastSnapshotRestoresResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.EnableFastSnapshotRestoreErrorItem;
import software.amazon.awssdk.services.ec2.model.EnableFastSnapshotRestoresRequest;
import software.amazon.awssdk.services.ec2.model.EnableFastSnapshotRestoresResponse;
import software.amazon.awssdk.services.ec2.model.Snapshot;

/** The FSR calls of {@link SnapshotActivitiesImpl}: what EC2 refuses, what is ridden out, what is left alone. */
class FastRestoreActivitiesTest {
  private static final String SNAPSHOT = "snap-0123456789abcdef0";
  private static final List<String> ZONES = List.of("us-west-2a", "us-west-2b");

  private final Ec2Client ec2 = mock(Ec2Client.class);
  private final AwsClients clients = mock(AwsClients.class);
  private TestActivityEnvironment env;

  private SnapshotActivities activities() {
    when(clients.ec2(REGION)).thenReturn(ec2);
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new SnapshotActivitiesImpl(clients, FAST_POLL, Duration.ofMinutes(1)));
    return env.newActivityStub(SnapshotActivities.class, OPTIONS);
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private static DescribeFastSnapshotRestoresResponse states(String a, String b) {
    return DescribeFastSnapshotRestoresResponse.builder().fastSnapshotRestores(
        DescribeFastSnapshotRestoreSuccessItem.builder().snapshotId(SNAPSHOT).availabilityZone("us-west-2a")
            .state(a).build(),
        DescribeFastSnapshotRestoreSuccessItem.builder().snapshotId(SNAPSHOT).availabilityZone("us-west-2b")
            .state(b).build()).build();
  }

  private static Ec2Exception throttled() {
    return (Ec2Exception) Ec2Exception.builder().statusCode(503).awsErrorDetails(AwsErrorDetails.builder()
        .errorCode("RequestLimitExceeded").errorMessage("Request limit exceeded.").build()).build();
  }

  @Test
  void aZoneEc2RefusesFailsNamingItAndTheSnapshotIsNotTagged() {
    SnapshotActivities activities = activities();
    when(ec2.enableFastSnapshotRestores(any(EnableFastSnapshotRestoresRequest.class))).thenReturn(
        EnableFastSnapshotRestoresResponse.builder().unsuccessful(EnableFastSnapshotRestoreErrorItem.builder()
            .snapshotId(SNAPSHOT).fastSnapshotRestoreStateErrors(error -> error.availabilityZone("us-west-2b")
                .error(e -> e.code("FastSnapshotRestoreLimitExceeded").message("up to 5 snapshots per Region")))
            .build()).build());

    ApplicationFailure failure = applicationFailure(catchThrowable(
        () -> activities.enableFastSnapshotRestores(REGION, SNAPSHOT, ZONES)));

    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getType()).isEqualTo(BuildFailures.INVALID_REQUEST);
    assertThat(failure.getOriginalMessage()).contains("refused in us-west-2b: FastSnapshotRestoreLimitExceeded");
    verify(ec2, never()).createTags(any(CreateTagsRequest.class));
  }

  @Test
  void enablingTagsTheSnapshotWithItsZones() {
    SnapshotActivities activities = activities();
    when(ec2.enableFastSnapshotRestores(any(EnableFastSnapshotRestoresRequest.class)))
        .thenReturn(EnableFastSnapshotRestoresResponse.builder().build());

    activities.enableFastSnapshotRestores(REGION, SNAPSHOT, ZONES);

    ArgumentCaptor<CreateTagsRequest> tagged = ArgumentCaptor.forClass(CreateTagsRequest.class);
    verify(ec2).createTags(tagged.capture());
    assertThat(tagged.getValue().resources()).containsExactly(SNAPSHOT);
    assertThat(tagged.getValue().tags()).singleElement().satisfies(tag -> {
      assertThat(tag.key()).isEqualTo(SnapshotContent.FAST_RESTORE);
      assertThat(tag.value()).isEqualTo("us-west-2a,us-west-2b");
    });
  }

  @Test
  void theWaitRidesOutThrottlingUntilEveryZoneIsEnabled() {
    SnapshotActivities activities = activities();
    when(ec2.describeFastSnapshotRestores(any(DescribeFastSnapshotRestoresRequest.class)))
        .thenReturn(states("optimizing", "enabling")).thenThrow(throttled())
        .thenReturn(states("enabled", "optimizing")).thenReturn(states("enabled", "enabled"));

    FastRestoreStatus status = activities.awaitFastSnapshotRestoresEnabled(REGION, SNAPSHOT, ZONES);

    assertThat(status.enabled()).isTrue();
    assertThat(status.states()).containsEntry("us-west-2a", "enabled").containsEntry("us-west-2b", "enabled");
  }

  @Test
  void aZoneThatIsDisablingWhileItShouldBeEnablingFailsTheWait() {
    SnapshotActivities activities = activities();
    when(ec2.describeFastSnapshotRestores(any(DescribeFastSnapshotRestoresRequest.class)))
        .thenReturn(states("optimizing", "disabling"));

    ApplicationFailure failure = applicationFailure(catchThrowable(
        () -> activities.awaitFastSnapshotRestoresEnabled(REGION, SNAPSHOT, ZONES)));

    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains("not being enabled in us-west-2b");
  }

  @Test
  void disablingTheSupersededSnapshotDisablesWhereItIsOnAndUntagsIt() {
    SnapshotActivities activities = activities();
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class))).thenReturn(DescribeSnapshotsResponse.builder()
        .snapshots(Snapshot.builder().snapshotId(SNAPSHOT).build()).build());
    when(ec2.describeFastSnapshotRestores(any(DescribeFastSnapshotRestoresRequest.class)))
        .thenReturn(states("enabled", "disabled"));
    when(ec2.disableFastSnapshotRestores(any(DisableFastSnapshotRestoresRequest.class)))
        .thenReturn(DisableFastSnapshotRestoresResponse.builder().build());

    activities.disableFastSnapshotRestores(REGION, SNAPSHOT);

    ArgumentCaptor<DisableFastSnapshotRestoresRequest> disabled =
        ArgumentCaptor.forClass(DisableFastSnapshotRestoresRequest.class);
    verify(ec2).disableFastSnapshotRestores(disabled.capture());
    assertThat(disabled.getValue().availabilityZones()).containsExactly("us-west-2a");
    ArgumentCaptor<DeleteTagsRequest> untagged = ArgumentCaptor.forClass(DeleteTagsRequest.class);
    verify(ec2).deleteTags(untagged.capture());
    assertThat(untagged.getValue().tags()).singleElement()
        .satisfies(tag -> assertThat(tag.key()).isEqualTo(SnapshotContent.FAST_RESTORE));
  }

  @Test
  void aSupersededSnapshotThatIsGoneIsLeftAlone() {
    SnapshotActivities activities = activities();
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class)))
        .thenReturn(DescribeSnapshotsResponse.builder().build());

    activities.disableFastSnapshotRestores(REGION, SNAPSHOT);

    verify(ec2, never()).disableFastSnapshotRestores(any(DisableFastSnapshotRestoresRequest.class));
    verify(ec2, never()).deleteTags(any(DeleteTagsRequest.class));
  }
}
