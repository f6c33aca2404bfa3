package dev.precache.workflows;

import java.time.Duration;
import java.util.Locale;

/**
 * The build volume's gp3 throughput and IOPS, chosen for the job unless the request sets them.
 *
 * <p>By default at least snapshot.sh's 1,000 MiB/s and 4,000 IOPS; more, up to gp3's 2,000 MiB/s, when the
 * pulls could write faster: the volume takes the compressed blobs the instance downloads and the trees they
 * unpack to ({@link VolumeSizing#estimatedBytes()}), so it is asked to write the download rate (the instance's
 * peak network or the registry connections, {@link BuildTimeModel}) times that amplification. A plan whose
 * writes take under {@link #WORTH_RAISING_SECONDS} at the floor keeps the floor. IOPS follow gp3's ratio.
 *
 * @param throughputMiBps  gp3 throughput, MiB/s: the stack's {@code VolumeThroughput}
 * @param iops             gp3 IOPS: the stack's {@code VolumeIops}
 * @param requested        true when the request set either figure (the other completed to fit it)
 * @param demandMiBps      what the pulls could write, MiB/s, on this instance
 * @param instanceType     the build instance type it was chosen for
 * @param writtenBytes     what the pulls write: compressed blobs and unpacked trees
 * @param buildCostDollars the provisioned performance's share of the bill for the estimated build, US$
 */
public record VolumePerformance(int throughputMiBps, int iops, boolean requested, double demandMiBps,
                                String instanceType, long writtenBytes, double buildCostDollars) {

  /** gp3 limits (FIGURES.md, EBS): 125–2,000 MiB/s, 3,000–80,000 IOPS, at most 0.25 MiB/s per IOPS. */
  public static final int MIN_THROUGHPUT_MIBPS = 125;
  public static final int MAX_THROUGHPUT_MIBPS = 2_000;
  public static final int MIN_IOPS = 3_000;
  public static final int MAX_IOPS = 80_000;
  public static final double MIBPS_PER_IOPS = 0.25;
  /** gp3 provisions at most 500 IOPS per GiB of volume (EBS User Guide, general-purpose.html). */
  static final int MAX_IOPS_PER_GIB = 500;
  /** snapshot.sh's template provisions 1,000 MiB/s and 4,000 IOPS (FIGURES.md, EBS): the default floor. */
  static final int FLOOR_THROUGHPUT_MIBPS = 1_000;
  static final int FLOOR_IOPS = 4_000;
  /**
   * Below a minute of writes at the floor, more throughput saves seconds at most: a judgement, not a figure.
   */
  static final double WORTH_RAISING_SECONDS = 60;
  /**
   * gp3 in us-east-1: $0.040 per provisioned MiB/s-month above 125 MiB/s, $0.005 per provisioned IOPS-month above
   * 3,000 (aws.amazon.com/ebs/pricing). Other regions differ by a few per cent; the printed figure says "about".
   */
  static final double DOLLARS_PER_MIBPS_MONTH = 0.040;
  static final double DOLLARS_PER_IOPS_MONTH = 0.005;
  /** AWS prices a month as 730 hours (aws.amazon.com/ebs/pricing examples). */
  static final double HOURS_PER_MONTH = 730;

  private static final long MIB = 1L << 20;

  /**
   * @param capacity the build instance (null: {@link InstanceCapacity#assumed})
   * @param pulls    image × platform pulls in the build
   */
  public static VolumePerformance choose(BuildRequest request, InstanceCapacity capacity, VolumeSizing sizing,
      int pulls, int volumeGiB) {
    InstanceCapacity instance = capacity != null ? capacity : InstanceCapacity.assumed(request.instanceType());
    double demand = demandBytesPerSecond(request, instance, sizing, pulls) / MIB;
    int maxIops = Math.max(MIN_IOPS, Math.min(MAX_IOPS, MAX_IOPS_PER_GIB * volumeGiB));
    Integer askedThroughput = request.volumeThroughputMiBps();
    Integer askedIops = request.volumeIops();
    int throughput;
    int iops;
    if (askedThroughput != null && askedIops != null) {
      throughput = askedThroughput;
      iops = askedIops;
    } else if (askedThroughput != null) {
      throughput = askedThroughput;
      iops = Math.min(maxIops, Math.max(FLOOR_IOPS, iopsFor(throughput)));
    } else if (askedIops != null) {
      iops = askedIops;
      throughput = Math.min(chosenThroughput(demand, sizing), (int) (iops * MIBPS_PER_IOPS));
    } else {
      iops = Math.min(maxIops, Math.max(FLOOR_IOPS, iopsFor(chosenThroughput(demand, sizing))));
      throughput = Math.min(chosenThroughput(demand, sizing), (int) (iops * MIBPS_PER_IOPS));
    }
    return new VolumePerformance(throughput, iops, askedThroughput != null || askedIops != null, demand,
        instance.instanceType(), sizing.estimatedBytes(), 0);
  }

  /** This choice with its cost for a build that keeps the volume for {@code buildDuration}. */
  public VolumePerformance costedFor(Duration buildDuration) {
    double monthly = Math.max(0, throughputMiBps - MIN_THROUGHPUT_MIBPS) * DOLLARS_PER_MIBPS_MONTH
        + Math.max(0, iops - MIN_IOPS) * DOLLARS_PER_IOPS_MONTH;
    double hours = buildDuration.toMillis() / 3_600_000.0;
    return new VolumePerformance(throughputMiBps, iops, requested, demandMiBps, instanceType, writtenBytes,
        monthly * hours / HOURS_PER_MONTH);
  }

  /**
   * What the volume writes per second while the pulls run: the download rate (during the burst), plus the
   * unpacked trees as fast as the cores inflate them.
   */
  static double demandBytesPerSecond(BuildRequest request, InstanceCapacity instance, VolumeSizing sizing, int pulls) {
    double download = BuildTimeModel.downloadBytesPerSecond(request, instance, pulls);
    if (sizing.compressedBytes() == 0) {
      return download;
    }
    double unpackedPerCompressed = Math.max(0,
        (double) (sizing.estimatedBytes() - sizing.compressedBytes()) / sizing.compressedBytes());
    double inflate = Math.min(download, BuildTimeModel.unpackBytesPerSecond(request, instance, pulls));
    return download + inflate * unpackedPerCompressed;
  }

  private static int chosenThroughput(double demandMiBps, VolumeSizing sizing) {
    double secondsAtFloor = sizing.estimatedBytes() / (FLOOR_THROUGHPUT_MIBPS * (double) MIB);
    if (secondsAtFloor < WORTH_RAISING_SECONDS || demandMiBps <= FLOOR_THROUGHPUT_MIBPS) {
      return FLOOR_THROUGHPUT_MIBPS;
    }
    int roundedUp = (int) Math.ceil(demandMiBps / 50) * 50;
    return Math.min(MAX_THROUGHPUT_MIBPS, roundedUp);
  }

  /** The IOPS gp3 needs for {@code throughput}, rounded up to a thousand. */
  private static int iopsFor(int throughputMiBps) {
    int needed = (int) Math.ceil(throughputMiBps / MIBPS_PER_IOPS);
    return (int) Math.ceil(needed / 1000.0) * 1000;
  }

  /**
   * {@code 250 GiB gp3, 1200 MiB/s, 5000 IOPS (chosen for 145.3 GiB of writes on g5.2xlarge, which could write
   * 1173 MiB/s; about $0.03 for this build)}.
   */
  public String summary(int volumeGiB) {
    String why = requested ? "as requested"
        : String.format(Locale.ROOT, "chosen for %s of writes on %s, which could write %.0f MiB/s",
            VolumeSizing.human(writtenBytes), instanceType, demandMiBps)
            + (iops < FLOOR_IOPS ? "; a " + volumeGiB + " GiB gp3 volume allows " + iops + " IOPS at most" : "");
    String cost = buildCostDollars < 0.005 ? "under $0.01"
        : String.format(Locale.ROOT, "about $%.2f", buildCostDollars);
    return String.format(Locale.ROOT, "%d GiB gp3, %d MiB/s, %d IOPS (%s; %s for this build)",
        volumeGiB, throughputMiBps, iops, why, cost);
  }
}
