package dev.precache.workflows;

import dev.precache.workflows.InstanceActivities.KeepSpec;
import dev.precache.workflows.InstanceActivities.PreparedVolume;
import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;

/**
 * An incremental rebuild (workflow code): the build volume is created from the newest completed snapshot of the
 * same name and region, the images no longer wanted are removed, and the pulls fetch only what changed. containerd
 * skips a layer whose digest its content store already holds (neither downloaded nor unpacked again, FIGURES.md),
 * and it tells that from its metadata database, not by reading the blob: so on a volume restored from a snapshot,
 * whose blocks EBS fetches from S3 on first read, the old layers' data is never read. EBS then stores in the new
 * snapshot only the blocks written since its parent, so the snapshot's time follows the changed bytes.
 */
final class IncrementalRebuild {

  /** The change that creates the volume from the previous snapshot: builds recorded before it start from scratch. */
  static final String CHANGE = "incremental-rebuild";
  /** The snapshot a snapshot's volume was created from. */
  static final String PARENT_TAG = SnapshotContent.PARENT;

  private static final Logger log = Workflow.getLogger(IncrementalRebuild.class);

  private final PreviousSnapshot parent;
  private final List<ResolvedImage> images;
  private IncrementalBuild report;
  /** The volume's use once the unwanted images are gone, before the pulls. */
  private VolumeUsage before;

  private IncrementalRebuild(PreviousSnapshot parent, List<ResolvedImage> images) {
    this.parent = parent;
    this.images = images;
    this.report = new IncrementalBuild(parent.snapshotId(), null, null, distinctLayers(images).size(), null, null,
        null);
  }

  /**
   * The rebuild from the previous snapshot, or null to build from scratch: a build recorded before {@link #CHANGE},
   * asked ({@code --from-scratch}, or a one-off build without {@code --from-previous}: a schedule's runs, which carry
   * its ID as a search attribute, are incremental by default), or no previous snapshot it can start from (logged why).
   */
  static IncrementalRebuild choose(BuildRequest request, Preflight preflight) {
    if (Workflow.getVersion(CHANGE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return null;
    }
    boolean scheduled = Workflow.getTypedSearchAttributes().get(BuildSearchAttributes.SCHEDULE_ID) != null;
    boolean asked = request.fromPrevious() != null ? request.fromPrevious() : scheduled;
    PreviousSnapshot previous = preflight.previous();
    if (!asked) {
      return null;
    }
    if (previous == null) {
      log.info("from scratch: no completed snapshot of build '{}' in {} yet", request.name(), request.region());
      return null;
    }
    if (previous.encrypted() != request.encrypt()) {
      // A volume from an encrypted snapshot is encrypted; one encrypted from a plain snapshot starts a new lineage.
      log.info("from scratch: {} is {}encrypted and this build asks for {}", previous.snapshotId(),
          previous.encrypted() ? "" : "not ", request.encrypt() ? "encryption" : "none");
      return null;
    }
    if (request.volumeSizeGiB() != null && request.volumeSizeGiB() < previous.volumeSizeGiB()) {
      // EC2 refuses a volume smaller than its snapshot.
      log.info("from scratch: -s {} GiB is smaller than {}'s {} GiB", request.volumeSizeGiB(), previous.snapshotId(),
          previous.volumeSizeGiB());
      return null;
    }
    log.info("incremental: the volume is created from {}", previous.snapshotId());
    return new IncrementalRebuild(previous, preflight.images());
  }

  String parentSnapshotId() {
    return parent.snapshotId();
  }

  /**
   * What the build expects to pull, before launching: the image × platforms the parent's tags do not record at
   * their digest, with only the layers that no image × platform unchanged since has (those are on the volume); the
   * old versions' layers are not known, so every other layer of a changed image counts as new.
   */
  List<ResolvedImage> expectedPulls() {
    Set<String> recorded = new LinkedHashSet<>(List.of(SnapshotContent.imageList(parent.tags()).split(",")));
    List<ResolvedImage> unchanged = images.stream()
        .filter(image -> recorded.contains(image.image() + " " + image.platform() + " " + image.digest())).toList();
    Set<String> present = new LinkedHashSet<>();
    unchanged.forEach(image -> image.layers().forEach(layer -> present.add(layer.digest())));
    return images.stream().filter(image -> !unchanged.contains(image))
        .map(image -> new ResolvedImage(image.image(), image.platform(), image.digest(), image.manifestDigest(),
            image.configDigest(), image.configBytes(),
            image.layers().stream().filter(layer -> !present.contains(layer.digest())).toList()))
        .toList();
  }

  /** A volume created from a snapshot may not be smaller than it. */
  int parentVolumeSizeGiB() {
    return parent.volumeSizeGiB();
  }

  /** Removes the images no longer wanted and finds which layers are already on the volume. */
  void prepare(String region, String instanceId, ActivityOptions options) {
    List<String> wanted = images.stream().map(ResolvedImage::image).distinct().toList();
    Map<String, Long> layers = distinctLayers(images);
    PreparedVolume prepared = Workflow.newActivityStub(InstanceActivities.class,
            ActivityOptions.newBuilder(options).setSummary("remove the images no longer wanted on " + instanceId).build())
        .keepOnlyImages(new KeepSpec(region, instanceId, wanted, List.copyOf(layers.keySet())));
    Set<String> present = new LinkedHashSet<>(prepared.presentLayers());
    long toPull = layers.entrySet().stream().filter(layer -> !present.contains(layer.getKey()))
        .mapToLong(Map.Entry::getValue).sum();
    List<String> unchanged = new ArrayList<>();
    for (ResolvedImage image : images) {
      if (image.layers().stream().allMatch(layer -> present.contains(layer.digest()))) {
        unchanged.add(image.image() + " " + image.platform());
      }
    }
    report = new IncrementalBuild(parent.snapshotId(), List.copyOf(prepared.removedImages()), present.size(),
        layers.size(), toPull, List.copyOf(unchanged), null);
    before = prepared.usage();
    log.info("{}", report.preparedSummary());
  }

  /** The volume measured after the pulls: what they wrote is what the snapshot stores beyond its parent. */
  void measured(VolumeUsage after) {
    if (before == null || after == null) {
      return;
    }
    report = new IncrementalBuild(report.parentSnapshotId(), report.removedImages(), report.layersPresent(),
        report.layersTotal(), report.bytesToPull(), report.unchangedPulls(),
        Math.max(0, after.usedBytes() - before.usedBytes()));
  }

  /** The tags the snapshot gets beyond its content's. */
  Map<String, String> tags() {
    return Map.of(PARENT_TAG, parent.snapshotId());
  }

  IncrementalBuild report() {
    return report;
  }

  /** Distinct layer digests of the images, in order, with their compressed sizes. */
  private static Map<String, Long> distinctLayers(List<ResolvedImage> images) {
    Map<String, Long> layers = new LinkedHashMap<>();
    images.forEach(image -> image.layers().forEach(layer -> layers.put(layer.digest(), layer.compressedBytes())));
    return layers;
  }
}
