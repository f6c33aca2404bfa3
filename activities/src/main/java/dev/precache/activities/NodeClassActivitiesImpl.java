package dev.precache.activities;

import dev.precache.workflows.NodeClassActivities;
import dev.precache.workflows.NodeClassMarking.Change;
import dev.precache.workflows.NodeClassTag;
import dev.precache.workflows.SnapshotLifecycle;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.DeleteTagsRequest;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * {@link SnapshotLifecycle#NODECLASS} on precache's snapshots: read, changed, written back (CreateTags overwrites a
 * key; DeleteTags once no class is left). A snapshot without {@code precache:build-id} is not precache's and is left
 * alone: the worker's IAM policy would refuse the write anyway.
 */
public final class NodeClassActivitiesImpl implements NodeClassActivities {
  private static final Logger log = LoggerFactory.getLogger(NodeClassActivitiesImpl.class);

  private final AwsClients clients;
  private final Polling polling;

  public NodeClassActivitiesImpl(AwsClients clients, Duration pollInterval) {
    this.clients = clients;
    this.polling = new Polling(pollInterval);
  }

  @Override
  public Change addNodeClass(String region, String snapshotId, String nodeClass) {
    return retag(region, snapshotId, "tag " + snapshotId + " with " + nodeClass,
        current -> NodeClassTag.with(current, nodeClass));
  }

  @Override
  public Change removeNodeClass(String region, String snapshotId, String nodeClass) {
    return retag(region, snapshotId, "take " + nodeClass + " off " + snapshotId,
        current -> NodeClassTag.without(current, nodeClass));
  }

  private Change retag(String region, String snapshotId, String step, UnaryOperator<String> change) {
    Ec2Client ec2 = clients.ec2(region);
    try {
      Optional<Snapshot> found = SnapshotActivitiesImpl.findOwnSnapshot(polling, ec2, "describe " + snapshotId,
          snapshotId, snapshotId);
      if (found.isEmpty()) {
        return new Change(snapshotId, null, "not tagged: no such snapshot of this account in " + region);
      }
      Map<String, String> tags = found.get().tags().stream().collect(Collectors.toMap(Tag::key, Tag::value,
          (first, second) -> first));
      String current = tags.get(SnapshotLifecycle.NODECLASS);
      if (!tags.containsKey(SnapshotActivitiesImpl.BUILD_ID_TAG)) {
        return new Change(snapshotId, current, "not built by precache (no " + SnapshotActivitiesImpl.BUILD_ID_TAG
            + " tag): left alone");
      }
      String wanted = change.apply(current);
      if (Objects.equals(wanted, current)) {
        return new Change(snapshotId, current, null);
      }
      if (wanted == null) {
        polling.untilAnswered(step, snapshotId, () -> ec2.deleteTags(DeleteTagsRequest.builder().resources(snapshotId)
            .tags(Tag.builder().key(SnapshotLifecycle.NODECLASS).build()).build()));
      } else {
        polling.untilAnswered(step, snapshotId, () -> ec2.createTags(CreateTagsRequest.builder().resources(snapshotId)
            .tags(Tag.builder().key(SnapshotLifecycle.NODECLASS).value(wanted).build()).build()));
      }
      log.info("Snapshot {}: {}", snapshotId, wanted == null ? SnapshotLifecycle.NODECLASS + " removed"
          : SnapshotLifecycle.NODECLASS + "=" + wanted);
      return new Change(snapshotId, wanted, null);
    } catch (AwsServiceException e) {
      if ("InvalidSnapshot.NotFound".equals(AwsFailures.errorCode(e))) {
        return new Change(snapshotId, null, "not tagged: no such snapshot in " + region);
      }
      if ("TagLimitExceeded".equals(AwsFailures.errorCode(e))) {
        // SnapshotLifecycle.LATER_TAGS keeps no place for this tag: a build with 50 tags leaves none.
        return new Change(snapshotId, null, "not tagged: it has EC2's 50 tags already (" + e.getMessage() + ")");
      }
      throw AwsFailures.classify(step, e);
    } catch (SdkException e) {
      throw AwsFailures.classify(step, e);
    }
  }
}
