package dev.precache.starter;

import dev.precache.workflows.BuildResult;
import dev.precache.workflows.RestoreTimeModel;
import dev.precache.workflows.VolumePerformance;
import dev.precache.workflows.VolumeSizing;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The flags that choose the data volume's entry beyond what a build says, and how they combine with it. Defaults
 * (a {@code new DataVolumeOptions()} as {@code build --nodeclass} uses it): everything from the build.
 */
final class DataVolumeOptions {
  /** EC2 snapshot IDs: {@code snap-} and 8 or 17 hex digits. */
  private static final Pattern SNAPSHOT_ID = Pattern.compile("snap-(?:[0-9a-f]{8}|[0-9a-f]{17})");

  @Option(names = "--volume-size", paramLabel = "GiB",
      description = "Volume size (default: from the build; with --snapshot-id: the snapshot's, as EC2 sizes it).")
  Integer volumeSizeGiB;

  @Option(names = "--throughput", paramLabel = "MiBps",
      description = "gp3 throughput, 125-2000 (default: the build's, else 125).")
  Integer throughputMiBps;

  @Option(names = "--iops", paramLabel = "N", description = "gp3 IOPS, 3000-80000 (default: the build's, else 3000).")
  Integer iops;

  @Option(names = "--encrypted", description = "Encrypt the volume (default: as the build's snapshot).")
  boolean encrypted;

  @Option(names = "--kms-key-id", paramLabel = "KEY", description = "KMS key for the volume; implies --encrypted.")
  String kmsKeyId;

  @Option(names = "--delete-on-termination", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Delete the volume with the node (default: ${DEFAULT-VALUE}).")
  boolean deleteOnTermination = true;

  /** {@code --initialization-rate} is the name it had first; README showed it, so it stays as an alias. */
  @Option(names = {"--volume-initialization-rate", "--initialization-rate"}, paramLabel = "MiBps",
      description = "Provisioned volume-initialisation rate, 100-300 MiB/s (default: the build's "
          + "--volume-initialization-rate, else none: lazy initialisation).")
  Integer initializationRate;

  /** @throws CliError exit 2 naming the flag out of range */
  void check() {
    if (volumeSizeGiB != null) {
      requireBetween("--volume-size", volumeSizeGiB, 1, VolumeSizing.MAX_GIB, " GiB");
    }
    if (throughputMiBps != null) {
      requireBetween("--throughput", throughputMiBps, VolumePerformance.MIN_THROUGHPUT_MIBPS,
          VolumePerformance.MAX_THROUGHPUT_MIBPS, " MiB/s");
    }
    if (iops != null) {
      requireBetween("--iops", iops, VolumePerformance.MIN_IOPS, VolumePerformance.MAX_IOPS, " IOPS");
    }
    if (initializationRate != null) {
      requireBetween("--volume-initialization-rate", initializationRate, RestoreTimeModel.MIN_RATE_MIBPS,
          RestoreTimeModel.MAX_RATE_MIBPS, " MiB/s");
    }
  }

  /** @throws CliError exit 2 for a malformed ID */
  static void checkSnapshotId(String snapshotId) {
    if (!SNAPSHOT_ID.matcher(snapshotId).matches()) {
      throw CliError.usage("invalid --snapshot-id", "expected snap- and 8 or 17 hex digits, got " + snapshotId, null);
    }
  }

  /**
   * The entry for {@code build}'s snapshot, these flags over it; a {@code note:} on {@code notes} when the volume
   * grows past the snapshot's size.
   *
   * @throws CliError exit 2 for a volume smaller than the snapshot or throughput the IOPS cannot carry
   */
  DataVolumeMapping forBuild(FinishedBuild build, PrintWriter notes) {
    BuildResult result = build.result();
    int recommended = DataVolumeMapping.recommendedGiB(result.volumeSizeGiB(), result.volumeUsage());
    if (volumeSizeGiB != null && volumeSizeGiB < result.volumeSizeGiB()) {
      throw CliError.usage("invalid --volume-size", volumeSizeGiB + " GiB is smaller than snapshot "
          + result.snapshotId() + " (" + result.volumeSizeGiB() + " GiB)", "EC2 cannot restore a snapshot onto a "
          + "smaller volume; use at least " + recommended);
    }
    if (volumeSizeGiB == null && recommended > result.volumeSizeGiB()) {
      notes.println(String.format(Locale.ROOT, "note: volume %d GiB, not the snapshot's %d: %s were used after the "
          + "pulls, above kubelet's %.0f%% image-GC threshold on %d GiB", recommended, result.volumeSizeGiB(),
          VolumeSizing.human(result.volumeUsage().usedBytes()), VolumeSizing.IMAGE_GC_HIGH_THRESHOLD * 100,
          result.volumeSizeGiB()));
      notes.flush();
    }
    boolean encrypt = encrypted || kmsKeyId != null || build.encrypted();
    return checked(new DataVolumeMapping(result.snapshotId(), volumeSizeGiB != null ? volumeSizeGiB : recommended,
        performance(throughputMiBps, build.throughputMiBps(), DataVolumeMapping.GP3_BASELINE_THROUGHPUT_MIBPS),
        performance(iops, build.iops(), DataVolumeMapping.GP3_BASELINE_IOPS),
        encrypt ? Boolean.TRUE : null, kmsKeyId != null ? kmsKeyId : build.kmsKeyId(),
        deleteOnTermination, initializationRate != null ? initializationRate : build.initializationRateMiBps()));
  }

  /** The entry for a snapshot known by its ID alone: no size unless given, gp3's baseline unless given. */
  DataVolumeMapping forSnapshot(String snapshotId) {
    return checked(new DataVolumeMapping(snapshotId, volumeSizeGiB,
        performance(throughputMiBps, null, DataVolumeMapping.GP3_BASELINE_THROUGHPUT_MIBPS),
        performance(iops, null, DataVolumeMapping.GP3_BASELINE_IOPS),
        encrypted || kmsKeyId != null ? Boolean.TRUE : null, kmsKeyId, deleteOnTermination, initializationRate));
  }

  /** gp3 allows at most 0.25 MiB/s per provisioned IOPS (FIGURES.md EBS). */
  private static DataVolumeMapping checked(DataVolumeMapping mapping) {
    if (mapping.throughputMiBps() > mapping.iops() * VolumePerformance.MIBPS_PER_IOPS) {
      throw CliError.usage("invalid --throughput", "gp3 allows at most " + mapping.iops() / 4 + " MiB/s with "
          + mapping.iops() + " IOPS, got " + mapping.throughputMiBps(), "raise --iops to at least "
          + mapping.throughputMiBps() * 4);
    }
    return mapping;
  }

  private static int performance(Integer flag, Integer build, int baseline) {
    return flag != null ? flag : build != null ? build : baseline;
  }

  private static void requireBetween(String flag, int value, int min, int max, String unit) {
    if (value < min || value > max) {
      throw CliError.usage("invalid " + flag, "expected " + min + "-" + max + unit + ", got " + value, null);
    }
  }
}
