package dev.precache.workflows;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How containerd's transfer service on the build instance is set up to pull, in the instance's user data
 * ({@code [settings.container-runtime]}, which bottlerocket-core-kit renders into containerd's
 * {@code [plugins."io.containerd.transfer.v1.local"]}). Its default, 3 downloads for every pull on the instance and
 * one request per layer, starves parallel pulls; {@code --local} pulls avoid that but fetch every layer before
 * unpacking any. Tuned, every pull goes through the transfer service, which unpacks each layer as it arrives, and a
 * layer is fetched as parallel range requests (containerd 2.1 and later, core/remotes/docker/fetcher.go), so a large
 * layer is not held to one connection's rate. On containerd 2.2 it also unpacks an image's layers in parallel, each
 * once its blob is in, rather than each after the one before it (core/unpack/unpacker.go), so an image is not held to
 * one gzip stream over all its layers.
 *
 * @param maxConcurrentDownloads registry requests at once on the instance, shared by all pulls
 *                               ({@code max-concurrent-downloads}); also the most one layer is fetched by
 * @param chunkBytes             bytes per range request ({@code concurrent-download-chunk-size})
 * @param maxConcurrentUnpacks   layers extracted at once on the instance, shared by all pulls
 *                               ({@code max-concurrent-unpacks}); 0: not set, so containerd's 1, in order (the AMI's
 *                               containerd has no parallel unpack, or the build predates {@code parallel-unpack})
 */
public record PullTuning(int maxConcurrentDownloads, long chunkBytes, int maxConcurrentUnpacks) {

  /**
   * 16 MiB, the {@code concurrent-download-chunk-size} the EKS team's write-up on parallel pulls sets for Bottlerocket
   * and AL2023 nodes (thenewstack.io, 2026, "When the image is the bottleneck"). containerd holds a layer's chunks in
   * memory until they are written in order: at most downloads × chunk, 1 GiB at the most downloads chosen.
   */
  static final long CHUNK_BYTES = 16L << 20;
  /** The most requests chosen: enough for a 25 Gbit/s network at one connection's 400 Mbit/s. */
  static final int MAX_DOWNLOADS = 64;
  /** The most unpack permits chosen: each is a goroutine with a gzip stream and a tar extraction, little memory. */
  static final int MAX_UNPACKS = 64;
  /**
   * Bottlerocket's Kubernetes variants from 1.33 on (NVIDIA and FIPS flavours too) ship containerd 2.2 and take
   * {@code max-concurrent-unpacks} (bottlerocket#4801, which moved every containerd 2.1 variant to 2.2; core-kit#886).
   */
  private static final Pattern CONTAINERD_22_VARIANT = Pattern.compile("^aws-k8s-1\\.(\\d+)(-[a-z0-9-]+)?$");
  private static final int FIRST_CONTAINERD_22_MINOR = 33;

  /**
   * Enough requests to fill the instance's peak network at one registry connection's rate
   * ({@link BuildTimeModel#REGISTRY_CONNECTION_BYTES_PER_SECOND}), and never fewer than the 3 per pull that
   * containerd's default would give the pulls running at once.
   */
  static PullTuning forInstance(InstanceCapacity instance, int concurrentPulls) {
    int fillNetwork = (int) Math.ceil(instance.peakBytesPerSecond() / BuildTimeModel.REGISTRY_CONNECTION_BYTES_PER_SECOND);
    int perPull = BuildTimeModel.CONCURRENT_LAYERS * Math.max(1, concurrentPulls);
    return new PullTuning(Math.min(MAX_DOWNLOADS, Math.max(fillNetwork, perPull)), CHUNK_BYTES, 0);
  }

  /**
   * With parallel unpack when the AMI parameter names a variant on containerd 2.2: a permit for every distinct layer
   * of {@code images}, at least one per vCPU and 2 (containerd unpacks in order below that), at most
   * {@link #MAX_UNPACKS}. A layer takes its permit in its turn, before its blob is in, and holds it until extracted
   * (core/unpack/unpacker.go); with fewer permits than layers, layers still downloading would hold them while others
   * that are in wait, and cores sit idle. More extractions than vCPUs share the cores. An AMI parameter that is not
   * one of Bottlerocket's public ones keeps the order: its containerd is not known.
   */
  PullTuning withUnpacksFor(InstanceCapacity instance, String amiParameter, List<ResolvedImage> images) {
    if (!unpacksInParallel(amiParameter)) {
      return this;
    }
    int layers = (int) images.stream().flatMap(image -> image.layers().stream()).map(ResolvedLayer::digest)
        .distinct().count();
    int permits = Math.min(MAX_UNPACKS, Math.max(layers, Math.max(2, instance.vcpus())));
    return new PullTuning(maxConcurrentDownloads, chunkBytes, permits);
  }

  static boolean unpacksInParallel(String amiParameter) {
    String variant = SnapshotCompatibility.variantOf(amiParameter);
    Matcher matcher = variant == null ? null : CONTAINERD_22_VARIANT.matcher(variant);
    return matcher != null && matcher.matches() && Integer.parseInt(matcher.group(1)) >= FIRST_CONTAINERD_22_MINOR;
  }

  /** Whether the instance unpacks each image's layers in parallel. */
  public boolean parallelUnpack() {
    return maxConcurrentUnpacks > 1;
  }

  /** As the plan and the build's log say it. */
  public String summary() {
    return String.format(Locale.ROOT, "containerd's transfer service: %d registry requests at once, layers in %d MiB"
        + " chunks", maxConcurrentDownloads, chunkBytes >> 20)
        + (parallelUnpack() ? ", " + maxConcurrentUnpacks + " layers unpacked at once" : "");
  }
}
