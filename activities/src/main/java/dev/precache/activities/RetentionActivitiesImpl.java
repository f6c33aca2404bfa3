package dev.precache.activities;

import dev.precache.workflows.CopyActivities;
import dev.precache.workflows.RetentionActivities;
import dev.precache.workflows.SnapshotContent;
import dev.precache.workflows.SnapshotLifecycle;
import dev.precache.workflows.StoredSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSnapshotsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeVolumesRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetParametersByPathRequest;
import software.amazon.awssdk.services.ssm.model.Parameter;

/** Retention's reads (EC2 snapshots and volumes, SSM parameters) and its one write, tag-then-delete. */
public final class RetentionActivitiesImpl implements RetentionActivities {

  private static final Logger log = LoggerFactory.getLogger(RetentionActivitiesImpl.class);
  /** Parameters precache publishes to by convention; those of {@code /precache/builds/} are parked credentials. */
  static final String PUBLISH_PATH = "/precache/";
  private static final String CREDENTIALS_PATH = "/precache/builds/";
  /** DescribeVolumes' filter values are kept to 200 a call. */
  private static final int FILTER_VALUES_PER_CALL = 200;

  private final AwsClients clients;
  private final Polling polling;

  public RetentionActivitiesImpl(AwsClients clients, Duration pollInterval) {
    this.clients = clients;
    this.polling = new Polling(pollInterval);
  }

  @Override
  public List<StoredSnapshot> listSnapshots(String region, String name) {
    try {
      List<Snapshot> snapshots = polling.untilAnswered("list precache snapshots in " + region, region,
          () -> describe(clients.ec2(region), name == null
              ? Filter.builder().name("tag-key").values(SnapshotContent.NAME).build()
              : Filter.builder().name("tag:" + SnapshotContent.NAME).values(name).build()));
      Map<String, List<String>> usedBy = usedBy(region, snapshots);
      return snapshots.stream().map(snapshot -> stored(region, snapshot, usedBy)).toList();
    } catch (SdkException e) {
      throw AwsFailures.classify("list snapshots in " + region, e);
    }
  }

  @Override
  public Expiry expireSnapshot(String region, String snapshotId) {
    Ec2Client ec2 = clients.ec2(region);
    try {
      List<Snapshot> found = SnapshotActivitiesImpl.findOwnSnapshot(polling, ec2, "describe " + snapshotId,
          snapshotId, snapshotId).stream().toList();
      if (found.isEmpty()) {
        return new Expiry(snapshotId, true, null);
      }
      List<String> uses = usedBy(region, found).getOrDefault(snapshotId, List.of());
      if (!uses.isEmpty()) {
        log.info("Snapshot {} is in use since it was listed ({}): kept", snapshotId, uses);
        return new Expiry(snapshotId, false, String.join("; ", uses));
      }
      // The tag first: the worker's IAM policy allows DeleteSnapshot only on a snapshot tagged expired.
      polling.untilAnswered("tag " + snapshotId + " expired", snapshotId, () -> ec2.createTags(CreateTagsRequest.builder()
          .resources(snapshotId)
          .tags(Tag.builder().key(SnapshotLifecycle.RETENTION).value(SnapshotLifecycle.EXPIRED).build())
          .build()));
      SnapshotActivitiesImpl.deleteSnapshot(ec2, snapshotId);
      return new Expiry(snapshotId, true, null);
    } catch (AwsServiceException e) {
      if ("InvalidSnapshot.NotFound".equals(AwsFailures.errorCode(e))) {
        return new Expiry(snapshotId, true, null);
      }
      throw AwsFailures.classify("expire snapshot " + snapshotId, e);
    } catch (SdkException e) {
      throw AwsFailures.classify("expire snapshot " + snapshotId, e);
    }
  }

  private static List<Snapshot> describe(Ec2Client ec2, Filter filter) {
    return ec2.describeSnapshotsPaginator(DescribeSnapshotsRequest.builder().ownerIds("self").filters(filter).build())
        .snapshots().stream().toList();
  }

  /** What uses each snapshot, by ID; one with no use has no key. */
  private Map<String, List<String>> usedBy(String region, List<Snapshot> snapshots) {
    Map<String, List<String>> uses = new HashMap<>();
    publishedIds(region).forEach((snapshotId, parameters) -> parameters.forEach(parameter ->
        uses.computeIfAbsent(snapshotId, k -> new ArrayList<>()).add("SSM parameter " + parameter)));
    for (Snapshot snapshot : snapshots) {
      Map<String, String> tags = tags(snapshot);
      if (tags.containsKey(SnapshotLifecycle.NODECLASS)) {
        uses.computeIfAbsent(snapshot.snapshotId(), k -> new ArrayList<>())
            .add("EC2NodeClass " + tags.get(SnapshotLifecycle.NODECLASS));
      }
      String fastRestore = tags.get(SnapshotContent.FAST_RESTORE);
      if (fastRestore != null && !"disabled".equals(fastRestore)) {
        uses.computeIfAbsent(snapshot.snapshotId(), k -> new ArrayList<>())
            .add("Fast Snapshot Restore (" + fastRestore + ")");
      }
    }
    volumesBeingCreated(region, snapshots).forEach(volume -> uses.computeIfAbsent(volume.snapshotId(),
        k -> new ArrayList<>()).add("volume " + volume.volumeId() + " being created from it"));
    return uses;
  }

  /**
   * Snapshot ID → the SSM parameters under {@value #PUBLISH_PATH} whose value it is: where {@code -op} publishes under
   * the worker's policy (a parameter elsewhere is not seen; it names the newest build of its name, which retention
   * keeps).
   */
  private Map<String, Set<String>> publishedIds(String region) {
    SsmClient ssm = clients.ssm(region);
    Map<String, String> valueOf = new TreeMap<>();
    polling.untilAnswered("read parameters under " + PUBLISH_PATH, region, () -> ssm.getParametersByPathPaginator(
            GetParametersByPathRequest.builder().path(PUBLISH_PATH).recursive(true).build())
        .stream().flatMap(page -> page.parameters().stream())
        .filter(p -> !p.name().startsWith(CREDENTIALS_PATH)).toList())
        .forEach((Parameter parameter) -> valueOf.put(parameter.name(), parameter.value()));
    Map<String, Set<String>> published = new LinkedHashMap<>();
    valueOf.forEach((parameter, value) ->
        published.computeIfAbsent(value.trim(), k -> new LinkedHashSet<>()).add(parameter));
    return published;
  }

  private List<Volume> volumesBeingCreated(String region, List<Snapshot> snapshots) {
    Ec2Client ec2 = clients.ec2(region);
    List<String> ids = snapshots.stream().map(Snapshot::snapshotId).toList();
    List<Volume> creating = new ArrayList<>();
    for (int i = 0; i < ids.size(); i += FILTER_VALUES_PER_CALL) {
      Collection<String> batch = ids.subList(i, Math.min(ids.size(), i + FILTER_VALUES_PER_CALL));
      creating.addAll(polling.untilAnswered("find volumes being created", region, () -> ec2.describeVolumesPaginator(
              DescribeVolumesRequest.builder().filters(
                  Filter.builder().name("snapshot-id").values(batch).build(),
                  Filter.builder().name("status").values("creating").build()).build())
          .volumes().stream().toList()));
    }
    return creating;
  }

  /** The snapshot without its image list (kept out of workflow history: up to 40 tags of 256 characters). */
  private static StoredSnapshot stored(String region, Snapshot snapshot, Map<String, List<String>> usedBy) {
    Map<String, String> tags = tags(snapshot);
    tags.keySet().removeIf(key -> key.startsWith(SnapshotContent.IMAGES_PREFIX));
    CopyActivities.Source copySource = CopyActivities.Source.of(tags.get(CopyActivities.SOURCE_SNAPSHOT));
    return new StoredSnapshot(snapshot.snapshotId(), region, tags.get(SnapshotContent.NAME),
        snapshot.stateAsString(), snapshot.startTime(), snapshot.volumeSize() == null ? 0 : snapshot.volumeSize(),
        tags.get(SnapshotContent.CONTENT), tags.get(SnapshotContent.PARENT), copySource.snapshotId(),
        copySource.region(),
        List.copyOf(usedBy.getOrDefault(snapshot.snapshotId(), List.of())), tags);
  }

  private static Map<String, String> tags(Snapshot snapshot) {
    Map<String, String> tags = new TreeMap<>();
    snapshot.tags().forEach(tag -> tags.put(tag.key(), tag.value()));
    return tags;
  }
}
