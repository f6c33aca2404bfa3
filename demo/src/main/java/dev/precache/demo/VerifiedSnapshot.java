package dev.precache.demo;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.instance.VolumeImage;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.CachedImage;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A build's snapshot as the simulator recorded it, checked against what the build reported. The build reports
 * each image × platform with the index digest verified on the volume and the compressed bytes it resolved; the
 * snapshot records each image × platform with its manifest digest, bytes and labels; the registry catalog links
 * the two.
 *
 * @param images one row per image × platform, in the build's order
 */
public record VerifiedSnapshot(String snapshotId, String region, int volumeSizeGiB, List<Row> images) {

  /** Kubelet's image GC must never remove the cache. */
  private static final String PINNED = "io.cri-containerd.pinned";

  public record Row(String image, String platform, String indexDigest, String manifestDigest, long bytes) {}

  /** Thrown when the snapshot does not hold what the build says it holds. */
  public static final class MismatchException extends Exception {
    MismatchException(List<String> problems) {
      super("snapshot content does not match the build's result:\n  " + String.join("\n  ", problems));
    }
  }

  public static VerifiedSnapshot of(BuildResult result, Cloud cloud) throws MismatchException {
    Snapshot snapshot = cloud.snapshot(result.snapshotId())
        .orElseThrow(() -> new MismatchException(List.of("the simulator has no snapshot " + result.snapshotId())));
    List<String> problems = new ArrayList<>();
    String status = snapshot.progress(cloud.clock().nowMillis()).status();
    if (!status.equals("completed")) {
      problems.add(snapshot.id() + " is " + status);
    }
    Set<String> reported = result.images().stream().map(i -> key(i.image(), i.platform())).collect(Collectors.toSet());
    Set<String> recorded = snapshot.contents().stream().map(v -> key(v.image(), v.platform()))
        .collect(Collectors.toSet());
    if (!reported.equals(recorded)) {
      problems.add("the build reported " + reported + " but the snapshot holds " + recorded);
    }
    List<Row> rows = new ArrayList<>();
    for (CachedImage cached : result.images()) {
      Optional<VolumeImage> onVolume = snapshot.contents().stream()
          .filter(v -> v.image().equals(cached.image()) && v.platform().equals(cached.platform())).findFirst();
      Optional<CatalogImage> published = cloud.catalog().find(cached.image());
      if (onVolume.isEmpty() || published.isEmpty()) {
        continue; // already reported above, or an image the registry does not serve at all
      }
      if (!cached.digest().equals(published.get().indexDigest())) {
        problems.add(cached.image() + ": the build saw index " + cached.digest() + ", the registry serves "
            + published.get().indexDigest());
      }
      Optional<CatalogImage.PlatformManifest> manifest = published.get().platform(cached.platform());
      if (manifest.isEmpty() || !manifest.get().digest().equals(onVolume.get().digest())) {
        problems.add(cached.image() + " (" + cached.platform() + "): the snapshot holds manifest "
            + onVolume.get().digest() + ", not the registry's " + manifest.map(CatalogImage.PlatformManifest::digest));
      }
      if (!onVolume.get().indexDigest().equals(cached.digest())) {
        problems.add(cached.image() + ": the snapshot holds index " + onVolume.get().indexDigest() + ", the build saw "
            + cached.digest());
      }
      if (cached.sizeBytes() != onVolume.get().bytes()) {
        problems.add(cached.image() + " (" + cached.platform() + "): the build resolved " + cached.sizeBytes()
            + " bytes, the snapshot holds " + onVolume.get().bytes());
      }
      if (!"pinned".equals(onVolume.get().labels().get(PINNED))) {
        problems.add(cached.image() + " (" + cached.platform() + ") is not labelled " + PINNED + "=pinned");
      }
      rows.add(new Row(cached.image(), cached.platform(), cached.digest(), onVolume.get().digest(),
          onVolume.get().bytes()));
    }
    if (!problems.isEmpty()) {
      throw new MismatchException(problems);
    }
    return new VerifiedSnapshot(snapshot.id(), result.region(), result.volumeSizeGiB(), List.copyOf(rows));
  }

  /** The content as a table, one block per image so the platforms each image was pulled for stand together. */
  public void print(PrintStream out) {
    out.println("Snapshot " + snapshotId + " (" + region + ", " + volumeSizeGiB + " GiB data volume) holds,"
        + " as the simulator recorded it:");
    int width = images.stream().mapToInt(row -> row.image().length()).max().orElse(5);
    String format = "  %-" + width + "s  %-12s  %-19s  %-19s  %9s%n";
    out.printf(format, "IMAGE", "PLATFORM", "INDEX DIGEST", "MANIFEST DIGEST", "SIZE");
    String previousImage = null;
    for (Row row : images) {
      out.printf(format, row.image().equals(previousImage) ? "" : row.image(), row.platform(),
          shortDigest(row.indexDigest()), shortDigest(row.manifestDigest()), megabytes(row.bytes()));
      previousImage = row.image();
    }
  }

  private static String key(String image, String platform) {
    return image + " (" + platform + ")";
  }

  private static String shortDigest(String digest) {
    return digest.length() > 19 ? digest.substring(0, 19) : digest;
  }

  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
