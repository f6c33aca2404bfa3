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
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.SnapshotActivities;
import dev.precache.workflows.SnapshotActivities.SnapshotSpec;
import dev.precache.workflows.SnapshotActivities.SnapshotStatus;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CreateSnapshotRequest;
import software.amazon.awssdk.services.ec2.model.CreateSnapshotResponse;
import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.DeleteSnapshotRequest;
import software.amazon.awssdk.services.ec2.model.DeleteSnapshotResponse;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.DescribeSnapshotsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSnapshotsResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceBlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotState;
import software.amazon.awssdk.services.ec2.model.Tag;

class SnapshotActivitiesImplTest {

  private static final String INSTANCE = "i-0123";

  private final Ec2Client ec2 = mock(Ec2Client.class);
  private final AwsClients clients = mock(AwsClients.class);
  private final List<SnapshotStatus> heartbeats = new ArrayList<>();
  private TestActivityEnvironment env;

  private SnapshotActivities activities(Duration pollWindow) {
    when(clients.ec2(REGION)).thenReturn(ec2);
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new SnapshotActivitiesImpl(clients, FAST_POLL, pollWindow));
    env.setActivityHeartbeatListener(SnapshotStatus.class, heartbeats::add);
    return env.newActivityStub(SnapshotActivities.class, OPTIONS);
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void createSnapshotSnapshotsTheDataVolumeTaggedWithTheBuild() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class))).thenReturn(DescribeSnapshotsResponse.builder().build());
    when(ec2.describeInstances(any(DescribeInstancesRequest.class))).thenReturn(instanceWithVolumes());
    when(ec2.createSnapshot(any(CreateSnapshotRequest.class)))
        .thenReturn(CreateSnapshotResponse.builder().snapshotId("snap-new").build());

    String snapshotId = activities.createSnapshot(
        new SnapshotSpec(REGION, INSTANCE, IDENTITY, "images: " + "x".repeat(400), Map.of("team", "ml")));

    assertThat(snapshotId).isEqualTo("snap-new");
    ArgumentCaptor<DescribeSnapshotsRequest> lookup = ArgumentCaptor.forClass(DescribeSnapshotsRequest.class);
    verify(ec2).describeSnapshots(lookup.capture());
    assertThat(lookup.getValue().filters()).contains(
        Filter.builder().name("tag:precache:build-id").values(IDENTITY.buildId()).build());
    ArgumentCaptor<CreateSnapshotRequest> create = ArgumentCaptor.forClass(CreateSnapshotRequest.class);
    verify(ec2).createSnapshot(create.capture());
    assertThat(create.getValue().volumeId()).isEqualTo("vol-data");
    assertThat(create.getValue().description()).hasSizeLessThanOrEqualTo(255).startsWith("images: xxx");
    assertThat(create.getValue().tagSpecifications().get(0).resourceTypeAsString()).isEqualTo("snapshot");
    assertThat(create.getValue().tagSpecifications().get(0).tags()).contains(
        tag("Name", IDENTITY.buildId()), tag("team", "ml"), tag("precache:build-id", IDENTITY.buildId()),
        tag("precache:workflow-id", IDENTITY.workflowId()), tag("precache:state", "building"));
  }

  @Test
  void aRequestTagCannotPassTheSnapshotOffAsPublished() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class))).thenReturn(DescribeSnapshotsResponse.builder().build());
    when(ec2.describeInstances(any(DescribeInstancesRequest.class))).thenReturn(instanceWithVolumes());
    when(ec2.createSnapshot(any(CreateSnapshotRequest.class)))
        .thenReturn(CreateSnapshotResponse.builder().snapshotId("snap-new").build());

    activities.createSnapshot(new SnapshotSpec(REGION, INSTANCE, IDENTITY, "images", Map.of("precache:state", "published")));

    ArgumentCaptor<CreateSnapshotRequest> create = ArgumentCaptor.forClass(CreateSnapshotRequest.class);
    verify(ec2).createSnapshot(create.capture());
    assertThat(create.getValue().tagSpecifications().get(0).tags())
        .contains(tag("precache:state", "building")).doesNotContain(tag("precache:state", "published"));
  }

  @Test
  void markSnapshotPublishedTagsItsState() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));

    activities.markSnapshotPublished(REGION, "snap-done");

    ArgumentCaptor<CreateTagsRequest> tagging = ArgumentCaptor.forClass(CreateTagsRequest.class);
    verify(ec2).createTags(tagging.capture());
    assertThat(tagging.getValue().resources()).containsExactly("snap-done");
    assertThat(tagging.getValue().tags()).containsExactly(tag("precache:state", "published"));
  }

  @Test
  void createSnapshotReturnsTheSnapshotAnEarlierAttemptCreated() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class))).thenReturn(DescribeSnapshotsResponse.builder()
        .snapshots(Snapshot.builder().snapshotId("snap-earlier").state(SnapshotState.PENDING).build()).build());

    String snapshotId = activities.createSnapshot(new SnapshotSpec(REGION, INSTANCE, IDENTITY, "images", Map.of()));

    assertThat(snapshotId).isEqualTo("snap-earlier");
    verify(ec2, never()).createSnapshot(any(CreateSnapshotRequest.class));
  }

  @Test
  void aCreateSnapshotThatFailedWithAServerErrorButWasTakenIsNotAskedTwice() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class)))
        .thenReturn(DescribeSnapshotsResponse.builder().build()) // before creating
        .thenReturn(DescribeSnapshotsResponse.builder() // after the failed call: EC2 took it
            .snapshots(Snapshot.builder().snapshotId("snap-taken").state(SnapshotState.PENDING).build()).build());
    when(ec2.describeInstances(any(DescribeInstancesRequest.class))).thenReturn(instanceWithVolumes());
    when(ec2.createSnapshot(any(CreateSnapshotRequest.class))).thenThrow(
        Ec2Exception.builder().statusCode(500)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalError").errorMessage("oops").build()).build());

    String snapshotId = activities.createSnapshot(new SnapshotSpec(REGION, INSTANCE, IDENTITY, "images", Map.of()));

    assertThat(snapshotId).isEqualTo("snap-taken");
    verify(ec2, times(1)).createSnapshot(any(CreateSnapshotRequest.class));
  }

  @Test
  void aThrottledCreateSnapshotIsAskedAgain() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class))).thenReturn(DescribeSnapshotsResponse.builder().build());
    when(ec2.describeInstances(any(DescribeInstancesRequest.class))).thenReturn(instanceWithVolumes());
    when(ec2.createSnapshot(any(CreateSnapshotRequest.class))).thenThrow(
        Ec2Exception.builder().statusCode(503)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode("RequestLimitExceeded").errorMessage("slow").build())
            .build())
        .thenReturn(CreateSnapshotResponse.builder().snapshotId("snap-new").build());

    assertThat(activities.createSnapshot(new SnapshotSpec(REGION, INSTANCE, IDENTITY, "images", Map.of())))
        .isEqualTo("snap-new");
    verify(ec2, times(1)).describeSnapshots(any(DescribeSnapshotsRequest.class));
  }

  @Test
  void awaitSnapshotCompletedHeartbeatsProgressUntilCompleted() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class)))
        .thenReturn(snapshot(SnapshotState.PENDING, ""), snapshot(SnapshotState.PENDING, "37%"),
            snapshot(SnapshotState.COMPLETED, "100%"));

    SnapshotStatus status = activities.awaitSnapshotCompleted(REGION, "snap-1");

    assertThat(status).isEqualTo(new SnapshotStatus("snap-1", 100, true));
    // Heartbeats are throttled by the SDK; the first always gets through.
    assertThat(heartbeats).first().isEqualTo(new SnapshotStatus("snap-1", 0, false));
  }

  @Test
  void awaitSnapshotCompletedReportsProgressWhenTheWindowHasPassed() {
    SnapshotActivities activities = activities(Duration.ZERO);
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class))).thenReturn(snapshot(SnapshotState.PENDING, "42%"));

    assertThat(activities.awaitSnapshotCompleted(REGION, "snap-1")).isEqualTo(new SnapshotStatus("snap-1", 42, false));
  }

  @Test
  void aSnapshotInErrorFailsNonRetryablyWithTheStateMessage() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class))).thenReturn(DescribeSnapshotsResponse.builder()
        .snapshots(Snapshot.builder().snapshotId("snap-1").state(SnapshotState.ERROR).progress("12%")
            .stateMessage("KMS key is disabled").build()).build());

    ApplicationFailure failure =
        applicationFailure(catchThrowable(() -> activities.awaitSnapshotCompleted(REGION, "snap-1")));

    assertThat(failure.getType()).isEqualTo(BuildFailures.SNAPSHOT_FAILED);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains("KMS key is disabled");
  }

  @Test
  void deleteBuildSnapshotsDeletesEveryOneTaggedWithTheBuildAcrossPages() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshotsPaginator(any(DescribeSnapshotsRequest.class))).thenCallRealMethod();
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class))).thenAnswer(call -> {
      DescribeSnapshotsRequest request = call.getArgument(0);
      return request.nextToken() == null
          ? page("page-2", snapshot("snap-pending", SnapshotState.PENDING), snapshot("snap-error", SnapshotState.ERROR))
          : page(null, snapshot("snap-completed", SnapshotState.COMPLETED));
    });

    activities.deleteBuildSnapshots(REGION, IDENTITY);

    ArgumentCaptor<DescribeSnapshotsRequest> lookups = ArgumentCaptor.forClass(DescribeSnapshotsRequest.class);
    verify(ec2, times(2)).describeSnapshots(lookups.capture());
    assertThat(lookups.getAllValues()).allSatisfy(lookup -> {
      assertThat(lookup.ownerIds()).containsExactly("self");
      assertThat(lookup.filters()).containsExactly(
          Filter.builder().name("tag:precache:build-id").values(IDENTITY.buildId()).build(),
          Filter.builder().name("tag:precache:state").values("building", "failed").build());
    });
    ArgumentCaptor<DeleteSnapshotRequest> deletes = ArgumentCaptor.forClass(DeleteSnapshotRequest.class);
    verify(ec2, times(3)).deleteSnapshot(deletes.capture());
    assertThat(deletes.getAllValues()).extracting(DeleteSnapshotRequest::snapshotId)
        .containsExactly("snap-pending", "snap-error", "snap-completed");
    // Each is tagged failed before its deletion: the worker's IAM policy deletes nothing else.
    org.mockito.InOrder order = org.mockito.Mockito.inOrder(ec2);
    for (String id : List.of("snap-pending", "snap-error", "snap-completed")) {
      order.verify(ec2).createTags(software.amazon.awssdk.services.ec2.model.CreateTagsRequest.builder().resources(id)
          .tags(software.amazon.awssdk.services.ec2.model.Tag.builder().key("precache:state").value("failed").build())
          .build());
      order.verify(ec2).deleteSnapshot(DeleteSnapshotRequest.builder().snapshotId(id).build());
    }
  }

  @Test
  void deleteBuildSnapshotsToleratesOneAlreadyGone() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshotsPaginator(any(DescribeSnapshotsRequest.class))).thenCallRealMethod();
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class))).thenReturn(
        page(null, snapshot("snap-gone", SnapshotState.COMPLETED), snapshot("snap-1", SnapshotState.COMPLETED)));
    when(ec2.createTags(software.amazon.awssdk.services.ec2.model.CreateTagsRequest.builder().resources("snap-gone")
        .tags(software.amazon.awssdk.services.ec2.model.Tag.builder().key("precache:state").value("failed").build())
        .build())).thenThrow(ec2Error(400, "InvalidSnapshot.NotFound"));

    activities.deleteBuildSnapshots(REGION, IDENTITY);

    verify(ec2).deleteSnapshot(DeleteSnapshotRequest.builder().snapshotId("snap-1").build());
  }

  @Test
  void deleteBuildSnapshotsWithNoneLeftDeletesNothing() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshotsPaginator(any(DescribeSnapshotsRequest.class))).thenCallRealMethod();
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class))).thenReturn(page(null));

    activities.deleteBuildSnapshots(REGION, IDENTITY);

    verify(ec2, never()).deleteSnapshot(any(DeleteSnapshotRequest.class));
  }

  @Test
  void findLatestSnapshotRidesOutRefusedListingsInOneAttempt() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshotsPaginator(any(DescribeSnapshotsRequest.class))).thenCallRealMethod();
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class)))
        .thenThrow(ec2Error(503, "RequestLimitExceeded"), ec2Error(500, "InternalError"))
        .thenReturn(page(null,
            Snapshot.builder().snapshotId("snap-old").volumeSize(20)
                .startTime(Instant.parse("2026-11-01T03:00:00Z")).build(),
            Snapshot.builder().snapshotId("snap-new").volumeSize(20)
                .startTime(Instant.parse("2026-11-02T03:00:00Z")).build()));

    assertThat(activities.findLatestSnapshot(REGION, "gpu").snapshotId()).isEqualTo("snap-new");
    verify(ec2, times(3)).describeSnapshots(any(DescribeSnapshotsRequest.class));
  }

  @Test
  void refusedListingsAndDeletionsAreAskedAgainInOneAttempt() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshotsPaginator(any(DescribeSnapshotsRequest.class))).thenCallRealMethod();
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class)))
        .thenThrow(ec2Error(503, "RequestLimitExceeded"), ec2Error(500, "InternalError"))
        .thenReturn(page(null, snapshot("snap-1", SnapshotState.PENDING)));
    when(ec2.deleteSnapshot(any(DeleteSnapshotRequest.class)))
        .thenThrow(ec2Error(503, "Unavailable"), ec2Error(503, "RequestLimitExceeded"))
        .thenReturn(DeleteSnapshotResponse.builder().build());

    activities.deleteBuildSnapshots(REGION, IDENTITY);

    verify(ec2, times(3)).describeSnapshots(any(DescribeSnapshotsRequest.class));
    verify(ec2, times(3)).deleteSnapshot(DeleteSnapshotRequest.builder().snapshotId("snap-1").build());
  }

  @Test
  void aSnapshotThatMayNotBeDeletedFailsAtOnceNamingIt() {
    SnapshotActivities activities = activities(Duration.ofMinutes(1));
    when(ec2.describeSnapshotsPaginator(any(DescribeSnapshotsRequest.class))).thenCallRealMethod();
    when(ec2.describeSnapshots(any(DescribeSnapshotsRequest.class)))
        .thenReturn(page(null, snapshot("snap-1", SnapshotState.PENDING)));
    when(ec2.deleteSnapshot(any(DeleteSnapshotRequest.class))).thenThrow(ec2Error(403, "UnauthorizedOperation"));

    ApplicationFailure failure =
        applicationFailure(catchThrowable(() -> activities.deleteBuildSnapshots(REGION, IDENTITY)));

    assertThat(failure.getType()).isEqualTo(BuildFailures.ACCESS_DENIED);
    assertThat(failure.getOriginalMessage()).contains("snap-1");
    verify(ec2, times(1)).deleteSnapshot(any(DeleteSnapshotRequest.class));
  }

  private static DescribeInstancesResponse instanceWithVolumes() {
    return DescribeInstancesResponse.builder().reservations(Reservation.builder().instances(Instance.builder()
        .instanceId(INSTANCE)
        .blockDeviceMappings(
            InstanceBlockDeviceMapping.builder().deviceName("/dev/xvda").ebs(e -> e.volumeId("vol-root")).build(),
            InstanceBlockDeviceMapping.builder().deviceName("/dev/xvdb").ebs(e -> e.volumeId("vol-data")).build())
        .build()).build()).build();
  }

  private static DescribeSnapshotsResponse snapshot(SnapshotState state, String progress) {
    return DescribeSnapshotsResponse.builder()
        .snapshots(Snapshot.builder().snapshotId("snap-1").state(state).progress(progress).build()).build();
  }

  private static DescribeSnapshotsResponse page(String nextToken, Snapshot... snapshots) {
    return DescribeSnapshotsResponse.builder().snapshots(snapshots).nextToken(nextToken).build();
  }

  private static Snapshot snapshot(String snapshotId, SnapshotState state) {
    return Snapshot.builder().snapshotId(snapshotId).state(state).build();
  }

  private static Ec2Exception ec2Error(int status, String code) {
    return (Ec2Exception) Ec2Exception.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
  }

  private static Tag tag(String key, String value) {
    return Tag.builder().key(key).value(value).build();
  }
}
