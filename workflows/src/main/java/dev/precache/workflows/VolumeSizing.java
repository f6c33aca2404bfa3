package dev.precache.workflows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * How big the data volume must be for a set of resolved images. containerd keeps every distinct compressed blob
 * in its content store <em>and</em> its unpacked tree in the snapshotter (a 12 GB image took ~24 GB:
 * docker/docs#24496, containerd#4249), so the volume needs compressed + unpacked bytes. A manifest gives only
 * compressed sizes; unpacked bytes are estimated per distinct layer: model weights compress little (≈ 1×),
 * OS/CUDA layers 2–3× (FIGURES.md; 3× taken, so an estimate errs on the side of room) — or, once this build
 * name has a snapshot, by the ratio of volume used to compressed bytes measured on that run.
 *
 * @param compressedBytes   distinct compressed blobs (layers and configs; a layer shared by two images counts once)
 * @param estimatedBytes    compressed + estimated unpacked bytes + {@link #METADATA_ALLOWANCE_BYTES}
 * @param requiredGiB       the smallest volume that holds {@code estimatedBytes}
 * @param recommendedGiB    the size used without {@code -s}: {@code estimatedBytes} below kubelet's 85 % image-GC
 *                          threshold, rounded up to whole GiB
 * @param basis             how the unpacked bytes were estimated, in words, for the CLI
 */
public record VolumeSizing(long compressedBytes, long estimatedBytes, int requiredGiB, int recommendedGiB,
                           String basis) {

  public static final long GIB = 1L << 30;
  /**
   * Kubelet's default {@code imageGCHighThresholdPercent}: above it, image GC starts removing unused images
   * (kubernetes#119986). The cache is pinned, but a node should not start life above the threshold.
   */
  public static final double IMAGE_GC_HIGH_THRESHOLD = 0.85;
  /** Unpacked ≈ compressed for model weights, which compress little (FIGURES.md, containerd#13559). */
  static final double WEIGHTS_UNPACK_RATIO = 1.0;
  /** OS and CUDA layers unpack to 2–3× (FIGURES.md); the top of the range. */
  static final double OTHER_UNPACK_RATIO = 3.0;
  /**
   * File-system and containerd metadata (ext4/xfs structures, the metadata database, manifests): an allowance,
   * not a measured figure; the measured ratio of a build name's previous run replaces it.
   */
  static final long METADATA_ALLOWANCE_BYTES = GIB;
  /**
   * In a model image (a KServe modelcar: the weights in an OCI image, one layer per shard), a layer this large
   * holds weights; the base layers below it are a few MB.
   */
  static final long MODELCAR_WEIGHTS_MIN_BYTES = 64L << 20;

  /** The largest volume gp3 allows, GiB (FIGURES.md: up to 64 TiB). */
  public static final int MAX_GIB = 65_536;

  /** Estimates for {@code images}, with the previous run's ratio when there is one. */
  public static VolumeSizing of(List<ResolvedImage> images, OptionalDouble usedPerCompressedByte) {
    Map<String, Double> unpackRatioByBlob = new LinkedHashMap<>();
    Map<String, Long> bytesByBlob = new LinkedHashMap<>();
    for (ResolvedImage image : images) {
      bytesByBlob.put(image.configDigest(), image.configBytes());
      unpackRatioByBlob.putIfAbsent(image.configDigest(), 0.0);
      for (ResolvedLayer layer : image.layers()) {
        bytesByBlob.put(layer.digest(), layer.compressedBytes());
        unpackRatioByBlob.putIfAbsent(layer.digest(), isWeights(image, layer) ? WEIGHTS_UNPACK_RATIO : OTHER_UNPACK_RATIO);
      }
    }
    long compressed = bytesByBlob.values().stream().mapToLong(Long::longValue).sum();
    long estimated;
    String basis;
    if (usedPerCompressedByte.isPresent()) {
      double ratio = usedPerCompressedByte.getAsDouble();
      estimated = (long) Math.ceil(compressed * ratio);
      basis = String.format(Locale.ROOT, "%.2f× the compressed bytes, as measured on this build's previous snapshot",
          ratio);
    } else {
      double unpacked = bytesByBlob.entrySet().stream()
          .mapToDouble(blob -> blob.getValue() * unpackRatioByBlob.get(blob.getKey())).sum();
      estimated = compressed + (long) Math.ceil(unpacked) + METADATA_ALLOWANCE_BYTES;
      long weights = bytesByBlob.entrySet().stream()
          .filter(blob -> unpackRatioByBlob.get(blob.getKey()) == WEIGHTS_UNPACK_RATIO)
          .mapToLong(Map.Entry::getValue).sum();
      basis = "compressed + unpacked estimated at 1× for " + human(weights) + " of model weights and 3× for "
          + human(compressed - weights) + " of other layers, + " + human(METADATA_ALLOWANCE_BYTES) + " metadata";
    }
    int required = (int) Math.min(Integer.MAX_VALUE, ceilDiv(estimated, GIB));
    int recommended = (int) Math.min(Integer.MAX_VALUE,
        (long) Math.ceil(estimated / IMAGE_GC_HIGH_THRESHOLD / GIB));
    return new VolumeSizing(compressed, estimated, Math.max(1, required), Math.max(1, recommended), basis);
  }

  /** Distinct compressed blobs of {@code images}: a layer shared by images or platforms counts once. */
  public static long distinctCompressedBytes(List<ResolvedImage> images) {
    return of(images, OptionalDouble.of(1)).compressedBytes();
  }

  /**
   * A layer holds model weights when its media type says so (CNCF ModelPack), when it is an uncompressed tar
   * (nothing to inflate), or when it is a large layer of an image whose repository says it holds a model
   * ({@code modelcar-catalog}, {@code sample-model}). A heuristic: a build name's second run uses the ratio it
   * measured instead.
   */
  static boolean isWeights(ResolvedImage image, ResolvedLayer layer) {
    String type = layer.mediaType() == null ? "" : layer.mediaType();
    if (type.startsWith("application/vnd.cncf.model.") || type.endsWith(".tar")) {
      return true;
    }
    String repository = ImageReference.parse(image.image()).repository();
    return repository.contains("model") && layer.compressedBytes() >= MODELCAR_WEIGHTS_MIN_BYTES;
  }

  /** {@code 12.3 GiB}. */
  public static String human(long bytes) {
    return String.format(Locale.ROOT, "%.1f GiB", (double) bytes / GIB);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
