package dev.precache.activities;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.BuildIdentity;
import dev.precache.workflows.LifecycleTags;
import dev.precache.workflows.PreviousSnapshot;
import dev.precache.workflows.SnapshotActivities;
import dev.precache.workflows.SnapshotContent;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CreateSnapshotRequest;
import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.DeleteSnapshotRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSnapshotsRequest;
import software.amazon.awssdk.services.ec2.model.EbsInstanceBlockDevice;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceBlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotState;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/** EC2 snapshots of the build instance's data volume. */
public final class SnapshotActivitiesImpl implements SnapshotActivities {

  private static final Logger log = LoggerFactory.getLogger(SnapshotActivitiesImpl.class);

  static final String DATA_DEVICE = "/dev/xvdb";
  static final String BUILD_ID_TAG = "precache:build-id";
  static final String WORKFLOW_ID_TAG = "precache:workflow-id";
  static final int DESCRIPTION_MAX = 255;

  private final AwsClients clients;
  private final Polling polling;
  private final Duration pollWindow;

  /**
   * @param pollInterval how often the snapshot's progress is read (5 s in production)
   * @param pollWindow   how long one {@link #awaitSnapshotCompleted} call waits ({@code BuildTimeouts.SNAPSHOT_POLL_WINDOW})
   */
  public SnapshotActivitiesImpl(AwsClients clients, Duration pollInterval, Duration pollWindow) {
    this.clients = clients;
    this.polling = new Polling(pollInterval);
    this.pollWindow = pollWindow;
  }

  /**
   * Creates the snapshot once: an earlier attempt's, or one EC2 took despite an error, found by the build-ID tag,
   * is the snapshot.
   */
  @Override
  public String createSnapshot(SnapshotSpec spec) {
    Ec2Client ec2 = clients.ec2(spec.region());
    BuildIdentity identity = spec.identity();
    String step = "snapshot " + spec.instanceId();
    Optional<String> existing = polling.untilAnswered(step + ": look for the build's snapshot", step,
        () -> snapshotOfBuild(ec2, identity.buildId()));
    if (existing.isPresent()) {
      log.info("Snapshot {} of build {} already exists", existing.get(), identity.buildId());
      return existing.get();
    }
    CreateSnapshotRequest request = CreateSnapshotRequest.builder()
        .volumeId(polling.untilAnswered(step + ": find its data volume", step, () -> dataVolume(ec2, spec.instanceId())))
        .description(description(spec.description()))
        .tagSpecifications(TagSpecification.builder()
            .resourceType(ResourceType.SNAPSHOT)
            .tags(tags(identity, spec.tags()))
            .build())
        .build();
    String snapshotId = polling.once(step + ": create", step, () -> ec2.createSnapshot(request).snapshotId(),
        () -> snapshotOfBuild(ec2, identity.buildId()));
    log.info("Creating snapshot {} of {} on {}", snapshotId, DATA_DEVICE, spec.instanceId());
    return snapshotId;
  }

  /** CreateSnapshot has no idempotency token: the build-ID tag is how a retry finds an earlier attempt's. */
  private static Optional<String> snapshotOfBuild(Ec2Client ec2, String buildId) {
    return ec2.describeSnapshots(DescribeSnapshotsRequest.builder()
            .ownerIds("self")
            .filters(
                buildTag(buildId), Filter.builder().name("status").values("pending", "completed").build())
            .build())
        .snapshots().stream().map(Snapshot::snapshotId).findFirst();
  }

  private static Filter buildTag(String buildId) {
    return Filter.builder().name("tag:" + BUILD_ID_TAG).values(buildId).build();
  }

  private static String dataVolume(Ec2Client ec2, String instanceId) {
    return ec2.describeInstances(DescribeInstancesRequest.builder().instanceIds(instanceId).build())
        .reservations().get(0).instances().get(0).blockDeviceMappings().stream()
        .filter(mapping -> DATA_DEVICE.equals(mapping.deviceName()))
        .map(InstanceBlockDeviceMapping::ebs)
        .map(EbsInstanceBlockDevice::volumeId)
        .findFirst()
        .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
            "instance " + instanceId + " has no volume at " + DATA_DEVICE, BuildFailures.INSTANCE_FAILED));
  }

  private static String description(String description) {
    String text = description == null ? "precache build" : description;
    return text.length() <= DESCRIPTION_MAX ? text : text.substring(0, DESCRIPTION_MAX - 1) + "…";
  }

  /** The request's tags, then Name (unless the request names it) and the build's own, which always win. */
  private static List<Tag> tags(BuildIdentity identity, Map<String, String> requestTags) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("Name", identity.buildId());
    if (requestTags != null) {
      tags.putAll(requestTags);
    }
    tags.put(BUILD_ID_TAG, identity.buildId());
    tags.put(WORKFLOW_ID_TAG, identity.workflowId());
    List<Tag> result = new ArrayList<>();
    tags.forEach((key, value) -> result.add(Tag.builder().key(key).value(value).build()));
    return result;
  }

  @Override
  public SnapshotStatus awaitSnapshotCompleted(String region, String snapshotId) {
    Ec2Client ec2 = clients.ec2(region);
    Instant windowEnds = Instant.now().plus(pollWindow);
    DescribeSnapshotsRequest describe = DescribeSnapshotsRequest.builder().snapshotIds(snapshotId).build();
    Polling.Wait wait = polling.newWait();
    try {
      while (true) {
        Snapshot snapshot = polling.untilAnswered("describe snapshot " + snapshotId, snapshotId,
            () -> ec2.describeSnapshots(describe).snapshots().get(0));
        SnapshotStatus status = new SnapshotStatus(
            snapshotId, percent(snapshot.progress()), snapshot.state() == SnapshotState.COMPLETED);
        if (snapshot.state() == SnapshotState.ERROR) {
          throw ApplicationFailure.newNonRetryableFailure(
              "snapshot " + snapshotId + " failed: " + snapshot.stateMessage(), BuildFailures.SNAPSHOT_FAILED);
        }
        if (status.completed() || !Instant.now().isBefore(windowEnds)) {
          log.info("Snapshot {}: {}%{}", snapshotId, status.percent(), status.completed() ? ", completed" : "");
          return status;
        }
        wait.pause(status);
      }
    } catch (SdkException e) {
      throw AwsFailures.classify("wait for snapshot " + snapshotId, e);
    }
  }

  /** EC2 reports progress as text like {@code "42%"}, and none at all right after creation. */
  private static int percent(String progress) {
    if (progress == null || progress.isBlank()) {
      return 0;
    }
    return Integer.parseInt(progress.replace("%", "").trim());
  }

  @Override
  public void deleteBuildSnapshots(String region, BuildIdentity identity) {
    Ec2Client ec2 = clients.ec2(region);
    try {
      // Listed in full before deleting, so that deleting does not shift the pages still to be read.
      List<String> snapshotIds = ec2.describeSnapshotsPaginator(DescribeSnapshotsRequest.builder()
              .ownerIds("self")
              .filters(buildTag(identity.buildId()))
              .build())
          .snapshots().stream().map(Snapshot::snapshotId).toList();
      for (String snapshotId : snapshotIds) {
        if (markedFailed(ec2, snapshotId)) {
          delete(ec2, snapshotId);
        }
        Activity.getExecutionContext().heartbeat(snapshotId);
      }
    } catch (SdkException e) {
      throw AwsFailures.classify("delete snapshots of build " + identity.buildId(), e);
    }
  }

  @Override
  public PreviousSnapshot findLatestSnapshot(String region, String buildName) {
    try {
      return clients.ec2(region).describeSnapshotsPaginator(DescribeSnapshotsRequest.builder()
              .ownerIds("self")
              .filters(Filter.builder().name("tag:" + SnapshotContent.NAME).values(buildName).build(),
                  Filter.builder().name("status").values("completed").build())
              .build())
          .snapshots().stream()
          .max(Comparator.comparing(Snapshot::startTime))
          .map(snapshot -> new PreviousSnapshot(snapshot.snapshotId(), snapshot.volumeSize(),
              Boolean.TRUE.equals(snapshot.encrypted()),
              snapshot.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> b))))
          .orElse(null);
    } catch (SdkException e) {
      throw AwsFailures.classify("find the newest snapshot of " + buildName, e);
    }
  }

  /**
   * Tags the build's own snapshot {@code precache:status=failed}, which the worker's IAM policy requires before
   * DeleteSnapshot; false when it is already gone.
   */
  private static boolean markedFailed(Ec2Client ec2, String snapshotId) {
    try {
      ec2.createTags(CreateTagsRequest.builder().resources(snapshotId)
          .tags(Tag.builder().key(LifecycleTags.STATUS).value(LifecycleTags.FAILED).build()).build());
      return true;
    } catch (AwsServiceException e) {
      if (!"InvalidSnapshot.NotFound".equals(AwsFailures.errorCode(e))) {
        throw AwsFailures.classify("tag snapshot " + snapshotId + " failed", e);
      }
      log.info("Snapshot {} already gone", snapshotId);
      return false;
    }
  }

  /** EC2 accepts the deletion of a pending snapshot too; it takes effect once the snapshot completes. */
  private static void delete(Ec2Client ec2, String snapshotId) {
    try {
      ec2.deleteSnapshot(DeleteSnapshotRequest.builder().snapshotId(snapshotId).build());
      log.info("Deleted snapshot {}", snapshotId);
    } catch (AwsServiceException e) {
      if (!"InvalidSnapshot.NotFound".equals(AwsFailures.errorCode(e))) {
        throw AwsFailures.classify("delete snapshot " + snapshotId, e);
      }
      log.info("Snapshot {} already gone", snapshotId);
    }
  }
}
