package dev.precache.workflows;

import java.util.List;

/**
 * One image × platform as its registry resolved it, before anything was launched. Holds digests and sizes
 * only: no credential or token ever reaches this record.
 *
 * @param image          the normalised reference, {@code registry/repository:tag}
 * @param platform       e.g. {@code linux/amd64}
 * @param digest         what the reference points to (an index, or a single manifest): the digest containerd
 *                       records for the image and {@code ctr images ls} prints
 * @param manifestDigest the platform's manifest (equal to {@code digest} for a single-manifest image)
 * @param configDigest   the image config blob
 * @param configBytes    the config blob's size
 * @param layers         the platform manifest's layers, in order
 */
public record ResolvedImage(
    String image,
    String platform,
    String digest,
    String manifestDigest,
    String configDigest,
    long configBytes,
    List<ResolvedLayer> layers) {

  /** The config and every layer as stored compressed. */
  public long compressedBytes() {
    return configBytes + layers.stream().mapToLong(ResolvedLayer::compressedBytes).sum();
  }
}
