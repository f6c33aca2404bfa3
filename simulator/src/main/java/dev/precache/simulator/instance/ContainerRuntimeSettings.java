package dev.precache.simulator.instance;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Bottlerocket settings under {@code [settings.container-runtime]} that pace containerd 2.x's transfer service,
 * as the instance booted with them from its user data (TOML). bottlerocket-core-kit's containerd 2.1 config template
 * ({@code packages/containerd-2.1/containerd-config-toml_k8s_containerd_sock}) renders them into
 * {@code [plugins."io.containerd.transfer.v1.local"]}: {@code max-concurrent-downloads} into
 * {@code max_concurrent_downloads} (containerd's default 3, plugins/transfer/plugin.go defaultConfig) and
 * {@code concurrent-download-chunk-size} into {@code concurrent_layer_fetch_buffer} (unset: 0, no chunking;
 * bottlerocket.dev: "only used for variants that have containerd-2.1 or above"). The chunk size takes bytes or a
 * size string, "64mb" being 64,000,000 bytes (bottlerocket-settings-models container-runtime tests). Every variant
 * on containerd 2.1 moved to containerd 2.2 (bottlerocket#4801, April 2026, which adds
 * {@code max-concurrent-unpacks}; core-kit v15.0.0 dropped containerd-2.1), whose template renders
 * {@code max-concurrent-unpacks} into {@code max_concurrent_unpacks} (core-kit#886; containerd's default 1, no
 * parallel unpack; Bottlerocket sets none).
 *
 * @param maxConcurrentDownloads      the transfer service's download permits, shared by all its pulls
 * @param concurrentDownloadChunkSize bytes per range request when a layer is fetched in parallel; 0: one request
 * @param maxConcurrentUnpacks        the transfer service's unpack permits, shared by all its pulls; above 1 a pull
 *                                    unpacks its layers in parallel
 */
public record ContainerRuntimeSettings(int maxConcurrentDownloads, long concurrentDownloadChunkSize,
    int maxConcurrentUnpacks) {

  public static final ContainerRuntimeSettings DEFAULTS = new ContainerRuntimeSettings(3, 0, 1);

  /** containerd's fetcher fetches in parallel only with a buffer of at least this (core/remotes/docker/fetcher.go). */
  private static final long MIN_CHUNK_BYTES = 512;
  private static final Pattern SECTION = Pattern.compile("^\\s*\\[([^\\]]+)]\\s*$");
  private static final Pattern ENTRY = Pattern.compile("^\\s*([A-Za-z0-9_.-]+)\\s*=\\s*(\"([^\"]*)\"|[0-9]+)\\s*(#.*)?$");
  private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*([kmg]b)?");

  /** Whether a layer larger than one chunk is fetched as parallel range requests. */
  public boolean chunkedFetch() {
    return concurrentDownloadChunkSize >= MIN_CHUNK_BYTES;
  }

  /**
   * Whether a pull unpacks its layers in parallel: containerd 2.2 makes the unpack limiter only above 1
   * (core/transfer/local/transfer.go {@code limiterP}), and without one unpacks in order (core/unpack/unpacker.go
   * {@code supportParallel}; overlayfs has the rebase capability it also needs).
   */
  public boolean parallelUnpack() {
    return maxConcurrentUnpacks > 1;
  }

  /**
   * How many range requests fetch a layer of {@code bytes} at once: up to {@code max_concurrent_downloads}, one per
   * chunk, and one for a layer no larger than a chunk (fetcher.go open: {@code remaining <= chunkSize}).
   */
  public int requestsPerLayer(long bytes) {
    if (!chunkedFetch() || bytes <= concurrentDownloadChunkSize) {
      return 1;
    }
    long chunks = (bytes + concurrentDownloadChunkSize - 1) / concurrentDownloadChunkSize;
    return (int) Math.min(chunks, maxConcurrentDownloads);
  }

  /**
   * The settings in EC2 user data, base64 as the launch template carries it; what it leaves out (or does not say in
   * a form Bottlerocket reads) keeps containerd's default. Both TOML spellings are read: the table header and the
   * dotted key.
   */
  public static ContainerRuntimeSettings fromUserData(String base64) {
    if (base64 == null || base64.isBlank()) {
      return DEFAULTS;
    }
    String toml;
    try {
      toml = new String(Base64.getMimeDecoder().decode(base64), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notBase64) {
      return DEFAULTS;
    }
    int downloads = DEFAULTS.maxConcurrentDownloads();
    long chunk = DEFAULTS.concurrentDownloadChunkSize();
    int unpacks = DEFAULTS.maxConcurrentUnpacks();
    String table = "";
    for (String line : toml.split("\\R")) {
      Matcher section = SECTION.matcher(line);
      if (section.matches()) {
        table = section.group(1).strip();
        continue;
      }
      Matcher entry = ENTRY.matcher(line);
      if (!entry.matches()) {
        continue;
      }
      String key = table.isEmpty() ? entry.group(1) : table + "." + entry.group(1);
      String value = entry.group(3) != null ? entry.group(3) : entry.group(2);
      switch (key) {
        case "settings.container-runtime.max-concurrent-downloads" -> downloads = positive(value, downloads);
        case "settings.container-runtime.concurrent-download-chunk-size",
            "settings.container-runtime.concurrent-layer-fetch-buffer" -> chunk = bytes(value, chunk);
        case "settings.container-runtime.max-concurrent-unpacks" -> unpacks = positive(value, unpacks);
        default -> { }
      }
    }
    return new ContainerRuntimeSettings(downloads, chunk, unpacks);
  }

  private static int positive(String value, int otherwise) {
    try {
      int parsed = Integer.parseInt(value);
      return parsed > 0 ? parsed : otherwise;
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  private static long bytes(String value, long otherwise) {
    Matcher size = SIZE.matcher(value.strip().toLowerCase(Locale.ROOT));
    if (!size.matches()) {
      return otherwise;
    }
    long number = Long.parseLong(size.group(1));
    String unit = size.group(2) == null ? "" : size.group(2);
    return switch (unit) {
      case "kb" -> number * 1_000;
      case "mb" -> number * 1_000_000;
      case "gb" -> number * 1_000_000_000;
      default -> number;
    };
  }
}
