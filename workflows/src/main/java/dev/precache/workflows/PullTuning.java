package dev.precache.workflows;

import java.util.Locale;

/**
 * How containerd's transfer service on the build instance is set up to pull, in the instance's user data
 * ({@code [settings.container-runtime]}, which bottlerocket-core-kit renders into containerd's
 * {@code [plugins."io.containerd.transfer.v1.local"]}). Its default, 3 downloads for every pull on the instance and
 * one request per layer, starves parallel pulls; {@code --local} pulls avoid that but fetch every layer before
 * unpacking any. Tuned, every pull goes through the transfer service, which unpacks each layer as it arrives, and a
 * layer is fetched as parallel range requests (containerd 2.1 and later, core/remotes/docker/fetcher.go), so a large
 * layer is not held to one connection's rate.
 *
 * @param maxConcurrentDownloads registry requests at once on the instance, shared by all pulls
 *                               ({@code max-concurrent-downloads}); also the most one layer is fetched by
 * @param chunkBytes             bytes per range request ({@code concurrent-download-chunk-size})
 */
public record PullTuning(int maxConcurrentDownloads, long chunkBytes) {

  /**
   * 16 MiB, the {@code concurrent-download-chunk-size} the EKS team's write-up on parallel pulls sets for Bottlerocket
   * and AL2023 nodes (thenewstack.io, 2026, "When the image is the bottleneck"). containerd holds a layer's chunks in
   * memory until they are written in order: at most downloads × chunk, 1 GiB at the most downloads chosen.
   */
  static final long CHUNK_BYTES = 16L << 20;
  /** The most requests chosen: enough for a 25 Gbit/s network at one connection's 400 Mbit/s. */
  static final int MAX_DOWNLOADS = 64;

  /**
   * Enough requests to fill the instance's peak network at one registry connection's rate
   * ({@link BuildTimeModel#REGISTRY_CONNECTION_BYTES_PER_SECOND}), and never fewer than the 3 per pull that
   * containerd's default would give the pulls running at once.
   */
  static PullTuning forInstance(InstanceCapacity instance, int concurrentPulls) {
    int fillNetwork = (int) Math.ceil(instance.peakBytesPerSecond() / BuildTimeModel.REGISTRY_CONNECTION_BYTES_PER_SECOND);
    int perPull = BuildTimeModel.CONCURRENT_LAYERS * Math.max(1, concurrentPulls);
    return new PullTuning(Math.min(MAX_DOWNLOADS, Math.max(fillNetwork, perPull)), CHUNK_BYTES);
  }

  /** As the plan and the build's log say it. */
  public String summary() {
    return String.format(Locale.ROOT, "containerd's transfer service: %d registry requests at once, layers in %d MiB"
        + " chunks", maxConcurrentDownloads, chunkBytes >> 20);
  }
}
