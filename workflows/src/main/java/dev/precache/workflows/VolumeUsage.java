package dev.precache.workflows;

/**
 * What the data volume's file system reports for {@code /var/lib/containerd} after the pulls ({@code df -B1}).
 */
public record VolumeUsage(long sizeBytes, long usedBytes, long availableBytes) {

  /** Used share of the file system, 0–100. */
  public double usedPercent() {
    return sizeBytes == 0 ? 0 : 100.0 * usedBytes / sizeBytes;
  }
}
