package dev.precache.activities;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.BuildIdentity;
import dev.precache.workflows.PreviousSnapshot;
import dev.precache.workflows.SnapshotActivities;
import dev.precache.workflows.SnapshotContent;
import dev.precache.workflows.SnapshotLifecycle;
import dev.precache.workflows.SnapshotActivities.FastRestoreStatus;
import dev.precache.workflows.SnapshotDescription;
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
import software.amazon.awssdk.services.ec2.model.DeleteTagsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeFastSnapshotRestoresRequest;
import software.amazon.awssdk.services.ec2.model.DisableFastSnapshotRestoresRequest;
import software.amazon.awssdk.services.ec2.model.EnableFastSnapshotRestoresRequest;
import software.amazon.awssdk.services.ec2.model.EnableFastSnapshotRestoresResponse;
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
   * is the snapshot. A first attempt has no earlier one to look for: the build ID is its run's alone, and a run
   * creates one snapshot.
   */
  @Override
  public String createSnapshot(SnapshotSpec spec) {
    Ec2Client ec2 = clients.ec2(spec.region());
    BuildIdentity identity = spec.identity();
    String step = "snapshot " + spec.instanceId();
    Optional<String> existing = Polling.isFirstAttempt() ? Optional.empty() : polling.untilAnswered(
        step + ": look for the build's snapshot", step, () -> snapshotOfBuild(ec2, identity.buildId()));
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

  /**
   * The request's tags, then Name (unless the request names it) and the build's own, which always win: its IDs and
   * {@link SnapshotLifecycle#BUILDING}, which the worker's IAM policy requires on CreateSnapshot.
   */
  private static List<Tag> tags(BuildIdentity identity, Map<String, String> requestTags) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("Name", identity.buildId());
    if (requestTags != null) {
      tags.putAll(requestTags);
    }
    tags.put(BUILD_ID_TAG, identity.buildId());
    tags.put(WORKFLOW_ID_TAG, identity.workflowId());
    tags.put(SnapshotLifecycle.STATE, SnapshotLifecycle.BUILDING);
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

  /** CreateTags overwrites a tag's value, so a retry tags it again, the same. */
  @Override
  public void markSnapshotPublished(String region, String snapshotId) {
    CreateTagsRequest request = CreateTagsRequest.builder()
        .resources(snapshotId)
        .tags(Tag.builder().key(SnapshotLifecycle.STATE).value(SnapshotLifecycle.PUBLISHED).build())
        .build();
    try {
      polling.untilAnswered("tag " + snapshotId + " published", snapshotId, () -> clients.ec2(region).createTags(request));
      log.info("Snapshot {} is published", snapshotId);
    } catch (SdkException e) {
      throw AwsFailures.classify("tag snapshot " + snapshotId + " published", e);
    }
  }

  @Override
  public void deleteBuildSnapshots(String region, BuildIdentity identity) {
    Ec2Client ec2 = clients.ec2(region);
    String step = "delete snapshots of build " + identity.buildId();
    try {
      // Listed in full before deleting, so that deleting does not shift the pages still to be read.
      List<String> snapshotIds = polling.untilAnswered(step + ": list them", step,
          () -> ec2.describeSnapshotsPaginator(DescribeSnapshotsRequest.builder()
                  .ownerIds("self")
                  // Never a published one (a copy published in its region stays): IAM would refuse it anyway.
                  .filters(buildTag(identity.buildId()), Filter.builder().name("tag:" + SnapshotLifecycle.STATE)
                      .values(SnapshotLifecycle.BUILDING, SnapshotLifecycle.FAILED).build())
                  .build())
              .snapshots().stream().map(Snapshot::snapshotId).toList());
      for (String snapshotId : snapshotIds) {
        if (polling.untilAnswered("tag snapshot " + snapshotId + " failed", snapshotId,
            () -> markedFailed(ec2, snapshotId))) {
          polling.untilAnswered("delete snapshot " + snapshotId, snapshotId, () -> deleteSnapshot(ec2, snapshotId));
        }
        Activity.getExecutionContext().heartbeat(snapshotId);
      }
    } catch (SdkException e) {
      throw AwsFailures.classify(step, e);
    }
  }

  @Override
  public PreviousSnapshot findLatestSnapshot(String region, String buildName) {
    String step = "find the newest snapshot of " + buildName;
    try {
      return polling.untilAnswered(step, step, () -> clients.ec2(region).describeSnapshotsPaginator(
              DescribeSnapshotsRequest.builder()
                  .ownerIds("self")
                  .filters(Filter.builder().name("tag:" + SnapshotContent.NAME).values(buildName).build(),
                      Filter.builder().name("status").values("completed").build())
                  .build())
              .snapshots().stream().toList())
          .stream()
          .max(Comparator.comparing(Snapshot::startTime))
          .map(snapshot -> new PreviousSnapshot(snapshot.snapshotId(), snapshot.volumeSize(),
              Boolean.TRUE.equals(snapshot.encrypted()),
              snapshot.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> b))))
          .orElse(null);
    } catch (SdkException e) {
      throw AwsFailures.classify(step, e);
    }
  }

  @Override
  public void enableFastSnapshotRestores(String region, String snapshotId, List<String> zones) {
    Ec2Client ec2 = clients.ec2(region);
    String step = "enable fast snapshot restore of " + snapshotId;
    EnableFastSnapshotRestoresResponse response = polling.untilAnswered(step, step, () -> ec2.enableFastSnapshotRestores(
        EnableFastSnapshotRestoresRequest.builder().sourceSnapshotIds(snapshotId).availabilityZones(zones).build()));
    List<String> refused = response.unsuccessful().stream()
        .flatMap(item -> item.fastSnapshotRestoreStateErrors().stream())
        .map(error -> error.availabilityZone() + ": " + error.error().code() + ": " + error.error().message())
        .toList();
    if (!refused.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(step + " refused in " + String.join("; ", refused),
          BuildFailures.INVALID_REQUEST);
    }
    polling.untilAnswered(step + ": tag it", step, () -> ec2.createTags(CreateTagsRequest.builder()
        .resources(snapshotId).tags(tag(SnapshotContent.FAST_RESTORE, String.join(",", zones))).build()));
    log.info("Fast snapshot restore of {} enabling in {}", snapshotId, zones);
  }

  @Override
  public FastRestoreStatus awaitFastSnapshotRestoresEnabled(String region, String snapshotId, List<String> zones) {
    Ec2Client ec2 = clients.ec2(region);
    Instant windowEnds = Instant.now().plus(pollWindow);
    Polling.Wait wait = polling.newWait();
    while (true) {
      Map<String, String> states = new LinkedHashMap<>();
      polling.untilAnswered("describe fast snapshot restores of " + snapshotId, snapshotId,
              () -> ec2.describeFastSnapshotRestores(describeFastRestores(snapshotId)).fastSnapshotRestores())
          .forEach(entry -> states.put(entry.availabilityZone(), entry.stateAsString()));
      states.keySet().retainAll(zones);
      List<String> failed = zones.stream()
          .filter(zone -> List.of("disabling", "disabled").contains(states.getOrDefault(zone, "disabled"))).toList();
      if (!failed.isEmpty()) {
        throw ApplicationFailure.newNonRetryableFailure("fast snapshot restore of " + snapshotId + " is not being "
            + "enabled in " + String.join(",", failed) + " (" + states + "): EC2 disabled it or enabling failed",
            BuildFailures.SNAPSHOT_FAILED);
      }
      FastRestoreStatus status = new FastRestoreStatus(snapshotId, Map.copyOf(states),
          zones.stream().allMatch(zone -> "enabled".equals(states.get(zone))));
      if (status.enabled() || !Instant.now().isBefore(windowEnds)) {
        log.info("Fast snapshot restore of {}: {}", snapshotId, states);
        return status;
      }
      wait.pause(status);
    }
  }

  @Override
  public void disableFastSnapshotRestores(String region, String snapshotId) {
    Ec2Client ec2 = clients.ec2(region);
    String step = "disable fast snapshot restore of " + snapshotId;
    if (findOwnSnapshot(polling, ec2, step + ": find it", step, snapshotId).isEmpty()) {
      log.info("Snapshot {} is gone: its fast snapshot restore went with it", snapshotId);
      return;
    }
    List<String> zones = polling.untilAnswered(step + ": describe", step,
            () -> ec2.describeFastSnapshotRestores(describeFastRestores(snapshotId)).fastSnapshotRestores()).stream()
        .filter(entry -> List.of("enabling", "optimizing", "enabled").contains(entry.stateAsString()))
        .map(entry -> entry.availabilityZone()).distinct().toList();
    if (!zones.isEmpty()) {
      polling.untilAnswered(step, step, () -> ec2.disableFastSnapshotRestores(DisableFastSnapshotRestoresRequest
          .builder().sourceSnapshotIds(snapshotId).availabilityZones(zones).build()));
      log.info("Fast snapshot restore of {} disabling in {}", snapshotId, zones);
    }
    polling.untilAnswered(step + ": untag it", step, () -> ec2.deleteTags(DeleteTagsRequest.builder()
        .resources(snapshotId).tags(Tag.builder().key(SnapshotContent.FAST_RESTORE).build()).build()));
  }

  /** One snapshot has an entry per zone, a handful: far under one page (200). */
  private static DescribeFastSnapshotRestoresRequest describeFastRestores(String snapshotId) {
    return DescribeFastSnapshotRestoresRequest.builder()
        .filters(Filter.builder().name("snapshot-id").values(snapshotId).build()).build();
  }

  private static Tag tag(String key, String value) {
    return Tag.builder().key(key).value(value).build();
  }

  @Override
  public SnapshotDescription describeSnapshot(String region, String snapshotId) {
    Ec2Client ec2 = clients.ec2(region);
    try {
      Snapshot snapshot = polling.untilAnswered("describe " + snapshotId, snapshotId, () -> {
        try {
          return ec2.describeSnapshots(DescribeSnapshotsRequest.builder().snapshotIds(snapshotId).build())
              .snapshots().stream().findFirst().orElse(null);
        } catch (AwsServiceException e) {
          if ("InvalidSnapshot.NotFound".equals(AwsFailures.errorCode(e))) {
            return null;
          }
          throw e;
        }
      });
      if (snapshot == null) {
        throw ApplicationFailure.newNonRetryableFailure("no snapshot " + snapshotId + " in " + region
            + " (InvalidSnapshot.NotFound)", BuildFailures.SNAPSHOT_NOT_FOUND);
      }
      return new SnapshotDescription(snapshot.snapshotId(), snapshot.stateAsString(), snapshot.volumeSize(),
          Boolean.TRUE.equals(snapshot.encrypted()),
          snapshot.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> b)));
    } catch (SdkException e) {
      throw AwsFailures.classify("describe " + snapshotId, e);
    }
  }

  /**
   * Tags the build's own snapshot {@code precache:state=failed}, which the worker's IAM policy requires before
   * DeleteSnapshot (and by which the janitor finds it if the deletion does not complete); false when it is gone.
   */
  private static boolean markedFailed(Ec2Client ec2, String snapshotId) {
    try {
      ec2.createTags(CreateTagsRequest.builder().resources(snapshotId)
          .tags(Tag.builder().key(SnapshotLifecycle.STATE).value(SnapshotLifecycle.FAILED).build()).build());
      return true;
    } catch (AwsServiceException e) {
      if (!"InvalidSnapshot.NotFound".equals(AwsFailures.errorCode(e))) {
        throw e;
      }
      log.info("Snapshot {} already gone", snapshotId);
      return false;
    }
  }

  /**
   * One of this account's snapshots, ridden out as a read: by a filter, not SnapshotIds, so a snapshot deleted
   * meanwhile (by retention, by hand) is an empty answer, not an InvalidSnapshot.NotFound.
   */
  static Optional<Snapshot> findOwnSnapshot(Polling polling, Ec2Client ec2, String action, Object details,
      String snapshotId) {
    return polling.untilAnswered(action, details, () -> ec2.describeSnapshots(DescribeSnapshotsRequest.builder()
        .ownerIds("self").filters(Filter.builder().name("snapshot-id").values(snapshotId).build()).build())
        .snapshots().stream().findFirst());
  }

  /**
   * EC2 accepts the deletion of a pending snapshot too; it takes effect once the snapshot completes. A snapshot
   * already gone (a try that timed out after EC2 took it) is deleted too.
   */
  static Void deleteSnapshot(Ec2Client ec2, String snapshotId) {
    try {
      ec2.deleteSnapshot(DeleteSnapshotRequest.builder().snapshotId(snapshotId).build());
      log.info("Deleted snapshot {}", snapshotId);
    } catch (AwsServiceException e) {
      if (!"InvalidSnapshot.NotFound".equals(AwsFailures.errorCode(e))) {
        throw e;
      }
      log.info("Snapshot {} already gone", snapshotId);
    }
    return null;
  }
}
