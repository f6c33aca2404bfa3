package dev.precache.workflows;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * A snapshot to verify ({@code precache verify SNAPSHOT -r REGION}).
 *
 * @param timeout how long the probes may take before they are torn down and the verify fails; null: 1 h
 * @param volumeInitializationRateMiBps the provisioned initialization rate (100–300 MiB/s) the probes restore with,
 *                                      as the nodes will; null: lazily
 */
public record VerifyRequest(String region, String snapshotId, Duration timeout, Integer volumeInitializationRateMiBps) {

  public VerifyRequest(String region, String snapshotId, Duration timeout) {
    this(region, snapshotId, timeout, null);
  }

  public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);
  /** EC2's snapshot IDs: {@code snap-} and 8 or 17 hex digits. */
  private static final Pattern SNAPSHOT_ID = Pattern.compile("snap-([0-9a-f]{8}|[0-9a-f]{17})");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");

  /** This request with its defaults, or an {@link InvalidRequestException} naming the field. */
  public VerifyRequest validated() {
    if (snapshotId == null || !SNAPSHOT_ID.matcher(snapshotId).matches()) {
      throw new InvalidRequestException("snapshotId", "must be snap- and 8 or 17 hex digits, got " + snapshotId);
    }
    if (region == null || !REGION.matcher(region).matches()) {
      throw new InvalidRequestException("region", "must be an AWS region like us-west-2, got " + region);
    }
    Duration deadline = timeout == null ? DEFAULT_TIMEOUT : timeout;
    if (deadline.isNegative() || deadline.isZero() || deadline.compareTo(Duration.ofHours(12)) > 0) {
      throw new InvalidRequestException("timeout", "must be between 1s and 12h, got " + deadline);
    }
    Integer rate = volumeInitializationRateMiBps;
    if (rate != null && (rate < RestoreTimeModel.MIN_RATE_MIBPS || rate > RestoreTimeModel.MAX_RATE_MIBPS)) {
      throw new InvalidRequestException("volumeInitializationRateMiBps", "must be between "
          + RestoreTimeModel.MIN_RATE_MIBPS + " and " + RestoreTimeModel.MAX_RATE_MIBPS + " MiB/s, got " + rate);
    }
    return new VerifyRequest(region, snapshotId, deadline, rate);
  }
}
