package dev.precache.workflows;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * How long a new node needs until every image on a data volume created from the snapshot is fully readable, and
 * what that costs, for each way EBS can initialise the volume (FIGURES.md, EBS). The node reads what the build
 * wrote: containerd's compressed blobs and unpacked trees ({@link VolumeSizing#estimatedBytes()}, or the bytes a
 * snapshot recorded it used). The clock starts when the volume is created; the node's boot is not counted.
 */
public final class RestoreTimeModel {
  private static final double MIB = 1 << 20;
  /**
   * A block of a volume created from a snapshot is fetched from S3 on its first read: single-digit MB/s in user
   * reports, ~5–9 MiB/s (FIGURES.md, EBS). A range; its middle is taken, as in the simulator.
   */
  static final double LAZY_FETCH_BYTES_PER_SECOND = 7 * MIB;
  /** Provisioned rate for volume initialisation: 100–300 MiB/s per volume (EC2 API Reference; FIGURES.md). */
  public static final int MIN_RATE_MIBPS = 100;
  public static final int MAX_RATE_MIBPS = 300;
  /**
   * FSR's default quota is 5 snapshots per Region (EBS User Guide, "fast snapshot restore"; FIGURES.md); a build
   * enables one snapshot, in at most this many zones.
   */
  public static final int MAX_FAST_RESTORE_ZONES = 5;
  /** "It takes 60 minutes per TiB to optimize a snapshot" (EBS User Guide, "Check the fast snapshot restore state"). */
  static final double OPTIMIZE_SECONDS_PER_GIB = 3600.0 / 1024;
  /**
   * FSR is billed per snapshot per Availability Zone for each minute it is enabled, at least an hour: $0.75 per
   * hour in us-east-1 (aws.amazon.com/ebs/pricing; FIGURES.md). Other Regions differ a little.
   */
  static final double FAST_RESTORE_DOLLARS_PER_ZONE_HOUR = 0.75;
  static final double HOURS_PER_MONTH = 730;

  public enum Method { LAZY, RATE, FAST_RESTORE }

  /**
   * @param method           how the volume is initialised
   * @param rateMiBps        the provisioned rate ({@link Method#RATE}), else null
   * @param zones            the Availability Zones FSR is enabled in ({@link Method#FAST_RESTORE}), else empty
   * @param untilReadable    from the volume's creation until a node has read every image once
   * @param readMiBps        the rate that read runs at
   * @param enableTime       how long the build waits for FSR to be {@code enabled} (zero otherwise)
   * @param dollarsPerMonth  what keeping the choice costs per month (FSR), 0 for lazy, null when not priced here
   * @param why              the figures behind it, one line
   */
  public record Estimate(Method method, Integer rateMiBps, List<String> zones, Duration untilReadable,
                         double readMiBps, Duration enableTime, Double dollarsPerMonth, String why) {

    /** {@code rate 300 MiB/s: every image readable 1m41s after the volume is created (30.0 GiB at 300 MiB/s); …}. */
    public String summary() {
      String label = switch (method) {
        case LAZY -> "lazy";
        case RATE -> "rate " + rateMiBps + " MiB/s";
        case FAST_RESTORE -> "fast restore in " + String.join(",", zones);
      };
      String cost = dollarsPerMonth == null ? "billed per GiB of snapshot data per volume (not priced here)"
          : dollarsPerMonth == 0 ? "no extra cost"
          : String.format(Locale.ROOT, "$%.2f per hour, about $%.0f per month", dollarsPerMonth / HOURS_PER_MONTH,
              dollarsPerMonth);
      return label + ": every image readable " + human(untilReadable) + " after the volume is created (" + why
          + "); " + cost;
    }
  }

  private RestoreTimeModel() {}

  /**
   * @param bytes              what a node reads: the snapshot's written bytes
   * @param volumeGiB          the snapshot's volume size (FSR optimises per TiB of it)
   * @param throughputMiBps    the node's data volume gp3 throughput
   * @param rateMiBps          the chosen provisioned rate, or null
   * @param fastRestoreZones   the zones FSR is enabled in, or empty
   */
  public static Estimate chosen(long bytes, int volumeGiB, int throughputMiBps, Integer rateMiBps,
                                List<String> fastRestoreZones) {
    if (rateMiBps != null) {
      return rate(bytes, throughputMiBps, rateMiBps);
    }
    if (fastRestoreZones != null && !fastRestoreZones.isEmpty()) {
      return fastRestore(bytes, volumeGiB, throughputMiBps, fastRestoreZones);
    }
    return lazy(bytes);
  }

  /**
   * The request's choice for what a build of it writes: the node's volume has the build volume's throughput (what
   * {@code nodeclass} writes by default), else gp3's baseline.
   */
  public static Estimate forRequest(BuildRequest request, VolumeSizing sizing, int volumeGiB,
                                    VolumePerformance performance) {
    return chosen(sizing.estimatedBytes(), volumeGiB, nodeThroughput(performance),
        request.volumeInitializationRateMiBps(), request.fastRestoreZones());
  }

  /** {@link #alternatives} for a plan: FSR in the request's zones, else the region's first. */
  public static List<Estimate> alternativesForRequest(BuildRequest request, VolumeSizing sizing, int volumeGiB,
                                                      VolumePerformance performance) {
    List<String> zones = request.fastRestoreZones().isEmpty() ? List.of(request.region() + "a")
        : request.fastRestoreZones();
    return alternatives(sizing.estimatedBytes(), volumeGiB, nodeThroughput(performance), zones);
  }

  private static int nodeThroughput(VolumePerformance performance) {
    return performance == null ? VolumePerformance.MIN_THROUGHPUT_MIBPS : performance.throughputMiBps();
  }

  /** Lazy, 300 MiB/s and FSR in one zone: the three choices side by side. */
  public static List<Estimate> alternatives(long bytes, int volumeGiB, int throughputMiBps, List<String> zones) {
    return List.of(lazy(bytes), rate(bytes, throughputMiBps, MAX_RATE_MIBPS),
        fastRestore(bytes, volumeGiB, throughputMiBps, zones));
  }

  public static Estimate lazy(long bytes) {
    double seconds = bytes / LAZY_FETCH_BYTES_PER_SECOND;
    return new Estimate(Method.LAZY, null, List.of(), seconds(seconds), LAZY_FETCH_BYTES_PER_SECOND / MIB,
        Duration.ZERO, 0.0, VolumeSizing.human(bytes) + " fetched from S3 on first read at ~"
            + Math.round(LAZY_FETCH_BYTES_PER_SECOND / MIB) + " MiB/s");
  }

  /** The volume initialises in the background at the rate; a read waits for it or runs at the throughput. */
  public static Estimate rate(long bytes, int throughputMiBps, int rateMiBps) {
    double readMiBps = Math.min(rateMiBps, throughputMiBps);
    return new Estimate(Method.RATE, rateMiBps, List.of(), seconds(bytes / (readMiBps * MIB)), readMiBps,
        Duration.ZERO, null, VolumeSizing.human(bytes) + " at " + Math.round(readMiBps) + " MiB/s"
            + (throughputMiBps < rateMiBps ? ", the volume's throughput" : ""));
  }

  /** Fully initialised at creation: the read runs at the volume's throughput. */
  public static Estimate fastRestore(long bytes, int volumeGiB, int throughputMiBps, List<String> zones) {
    return new Estimate(Method.FAST_RESTORE, null, List.copyOf(zones), seconds(bytes / (throughputMiBps * MIB)),
        throughputMiBps, seconds(volumeGiB * OPTIMIZE_SECONDS_PER_GIB),
        zones.size() * FAST_RESTORE_DOLLARS_PER_ZONE_HOUR * HOURS_PER_MONTH,
        VolumeSizing.human(bytes) + " at the volume's " + throughputMiBps + " MiB/s; enabling takes ~"
            + human(seconds(volumeGiB * OPTIMIZE_SECONDS_PER_GIB)) + " for " + volumeGiB + " GiB");
  }

  private static Duration seconds(double seconds) {
    return Duration.ofMillis((long) Math.ceil(seconds * 1000));
  }

  /** {@code 1h12m}, {@code 25m10s}, {@code 42s}. */
  /** {@code 37s}, {@code 4m05s}, {@code 1h02m}. */
  public static String human(Duration duration) {
    long seconds = Math.round(duration.toMillis() / 1000.0);
    if (seconds >= 3600) {
      return seconds / 3600 + "h" + String.format(Locale.ROOT, "%02dm", seconds % 3600 / 60);
    }
    return seconds >= 60 ? seconds / 60 + "m" + String.format(Locale.ROOT, "%02ds", seconds % 60) : seconds + "s";
  }
}
