package dev.precache.workflows;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;

/**
 * What an instance type can feed a pull with, as EC2's DescribeInstanceTypes reports it: vCPUs, and network
 * bandwidth summed over its cards, baseline and peak. An "up to" type (baseline below peak; instances of
 * 16 vCPUs or fewer) bursts to its peak on network I/O credits "for a limited time, typically from 5 to 60
 * minutes, depending on the instance size", then falls back to its baseline (EC2 User Guide,
 * ec2-instance-network-bandwidth). EC2 publishes no bucket size per type: the model assumes the documented
 * minimum, {@link #BURST_SECONDS_AT_PEAK} at the peak, spent only above the baseline.
 */
public record InstanceCapacity(String instanceType, int vcpus, double baselineGbps, double peakGbps) {

  /** The documented minimum of a burst at the peak: 5 minutes. */
  public static final long BURST_SECONDS_AT_PEAK = 5 * 60;

  /** For a type EC2 did not describe (older builds, or a lookup that found nothing): 10 Gbit/s and 2 vCPUs. */
  static InstanceCapacity assumed(String instanceType) {
    return new InstanceCapacity(instanceType, 2, 10, 10);
  }

  /** The type, and the other sizes of its family for a suggestion ({@code m5.*} for {@code m5.large}). */
  public record Family(InstanceCapacity instance, List<InstanceCapacity> family) {}

  /** {@code m5} of {@code m5.large}. */
  public static String familyOf(String instanceType) {
    int dot = instanceType.indexOf('.');
    return dot < 0 ? instanceType : instanceType.substring(0, dot);
  }

  double baselineBytesPerSecond() {
    return baselineGbps * 1e9 / 8;
  }

  double peakBytesPerSecond() {
    return peakGbps * 1e9 / 8;
  }

  boolean bursts() {
    return baselineGbps < peakGbps;
  }

  /**
   * Seconds to download {@code bytes} when nothing else allows more than {@code otherLimit} bytes/s: at the
   * peak (or the other limit) while the credits last, at the baseline after.
   */
  double downloadSeconds(double bytes, double otherLimit) {
    double burst = Math.min(peakBytesPerSecond(), otherLimit);
    double burstBytes = burstBytes(burst);
    if (bytes <= burstBytes) {
      return bytes / burst;
    }
    double sustained = Math.min(baselineBytesPerSecond(), otherLimit);
    return burstBytes / burst + (bytes - burstBytes) / sustained;
  }

  /**
   * Bytes the instance downloads at {@code rate} before its credits run out: unbounded at or below the baseline;
   * above it the credits, {@link #BURST_SECONDS_AT_PEAK} of (peak − baseline), drain at (rate − baseline).
   */
  double burstBytes(double rate) {
    if (rate <= baselineBytesPerSecond()) {
      return Double.POSITIVE_INFINITY;
    }
    double credits = (peakBytesPerSecond() - baselineBytesPerSecond()) * BURST_SECONDS_AT_PEAK;
    return rate * credits / (rate - baselineBytesPerSecond());
  }

  /** {@code 0.75 Gbit/s}, {@code 10 Gbit/s}. */
  static String gbits(double gbps) {
    return BigDecimal.valueOf(gbps).round(new MathContext(4)).stripTrailingZeros().toPlainString() + " Gbit/s";
  }
}
