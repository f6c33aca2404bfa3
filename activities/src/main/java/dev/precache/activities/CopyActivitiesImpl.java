package dev.precache.activities;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.CopyActivities;
import dev.precache.workflows.SnapshotContent;
import dev.precache.workflows.SnapshotLifecycle;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CopySnapshotRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSnapshotsRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ModifySnapshotAttributeRequest;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotAttributeName;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/** CopySnapshot into other regions, and createVolumePermission for other accounts. */
public final class CopyActivitiesImpl implements CopyActivities {

  private static final Logger log = LoggerFactory.getLogger(CopyActivitiesImpl.class);
  /**
   * What says nothing about the copy: the source's lineage (its parent is in the source region), what FSR,
   * retention or a nodeclass wrote there, and its state (a copy is building until the build publishes it).
   */
  private static final Set<String> SOURCE_ONLY_TAGS = Set.of(SnapshotContent.PARENT, SnapshotLifecycle.NODECLASS,
      SnapshotContent.FAST_RESTORE, SnapshotLifecycle.RETENTION, SnapshotLifecycle.STATE);

  private final AwsClients clients;
  private final Polling polling;

  public CopyActivitiesImpl(AwsClients clients, Duration pollInterval) {
    this.clients = clients;
    this.polling = new Polling(pollInterval);
  }

  @Override
  public String copySnapshot(CopySpec spec) {
    Ec2Client target = clients.ec2(spec.region());
    String step = "copy " + spec.snapshotId() + " to " + spec.region();
    try {
      Optional<String> existing = polling.untilAnswered(step + ": look for the build's copy", step,
          () -> copyOfBuild(target, spec));
      if (existing.isPresent()) {
        log.info("Copy {} of {} in {} already exists", existing.get(), spec.snapshotId(), spec.region());
        return existing.get();
      }
      Snapshot source = polling.untilAnswered(step + ": read the source's tags", step, () -> clients.ec2(spec.sourceRegion())
          .describeSnapshots(DescribeSnapshotsRequest.builder().snapshotIds(spec.snapshotId()).build()).snapshots().get(0));
      List<Tag> tags = new ArrayList<>();
      source.tags().stream().filter(tag -> !SOURCE_ONLY_TAGS.contains(tag.key())).forEach(tags::add);
      tags.add(Tag.builder().key(SnapshotLifecycle.STATE).value(SnapshotLifecycle.BUILDING).build());
      tags.add(Tag.builder().key(SOURCE_SNAPSHOT).value(source(spec).tagValue()).build());
      CopySnapshotRequest.Builder request = CopySnapshotRequest.builder()
          // The SDK presigns the copy for the source region and, without DestinationRegion, parses it from the
          // endpoint's host name: an endpoint not named like EC2's (a VPC endpoint, the simulator) fails that
          // parse on the client, before any request is sent.
          .destinationRegion(spec.region())
          .sourceRegion(spec.sourceRegion())
          .sourceSnapshotId(spec.snapshotId())
          .description("[Copied " + spec.snapshotId() + " from " + spec.sourceRegion() + "] " + source.description())
          .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.SNAPSHOT).tags(tags).build());
      if (spec.encrypt()) {
        request.encrypted(true).kmsKeyId(spec.kmsKeyId());
      }
      String copyId = polling.once(step, step, () -> target.copySnapshot(request.build()).snapshotId(),
          () -> copyOfBuild(target, spec));
      log.info("Copying {} to {} as {}", spec.snapshotId(), spec.region(), copyId);
      return copyId;
    } catch (SdkException e) {
      throw AwsFailures.classify(step, e);
    } catch (IllegalArgumentException e) {
      // Refused on the client (e.g. the presigning above): no retry can change that.
      throw ApplicationFailure.newNonRetryableFailure(step + ": " + e.getMessage(), BuildFailures.INVALID_REQUEST);
    }
  }

  /** CopySnapshot has no idempotency token: the build-ID and source tags are how a retry finds its copy. */
  private static Optional<String> copyOfBuild(Ec2Client target, CopySpec spec) {
    return target.describeSnapshots(DescribeSnapshotsRequest.builder().ownerIds("self").filters(
            Filter.builder().name("tag:" + SnapshotActivitiesImpl.BUILD_ID_TAG).values(spec.identity().buildId()).build(),
            Filter.builder().name("tag:" + SOURCE_SNAPSHOT).values(source(spec).tagValue()).build(),
            Filter.builder().name("status").values("pending", "completed").build()).build())
        .snapshots().stream().map(Snapshot::snapshotId).findFirst();
  }

  private static Source source(CopySpec spec) {
    return new Source(spec.sourceRegion(), spec.snapshotId());
  }

  @Override
  public void shareSnapshot(String region, String snapshotId, List<String> accounts) {
    try {
      polling.untilAnswered("share " + snapshotId, snapshotId, () -> clients.ec2(region).modifySnapshotAttribute(
          ModifySnapshotAttributeRequest.builder().snapshotId(snapshotId)
              .attribute(SnapshotAttributeName.CREATE_VOLUME_PERMISSION)
              .createVolumePermission(permission -> permission.add(accounts.stream()
                  .map(account -> software.amazon.awssdk.services.ec2.model.CreateVolumePermission.builder()
                      .userId(account).build()).toList()))
              .build()));
      log.info("Shared {} in {} with {}", snapshotId, region, accounts);
    } catch (SdkException e) {
      throw AwsFailures.classify("share " + snapshotId + " with " + accounts, e);
    }
  }
}
