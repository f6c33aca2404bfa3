package dev.precache.simulator.instance;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One version of a tag a simulated registry serves: an OCI index naming per-platform manifests, each naming
 * its config and layers. Immutable: moving the tag ({@link RegistryCatalog#rebuild}) makes a new CatalogImage.
 *
 * @param platforms keyed by the normalized platform ({@code linux/arm64}); each manifest keeps the platform
 *     as the index spells it ({@code linux/arm64/v8})
 */
public record CatalogImage(String reference, OciDocument index, Map<String, PlatformManifest> platforms) {

  /** A layer blob: compressed size as served, uncompressed size once unpacked, and its diff ID. */
  public record Layer(String digest, long size, long unpackedSize, String diffId) {}

  /** One platform's manifest, its config and its layers, base first. */
  public record PlatformManifest(String platform, OciDocument manifest, OciDocument config, List<Layer> layers) {
    public String digest() {
      return manifest.digest();
    }

    /** Compressed bytes of the platform's blobs: config and layers, as a registry serves them. */
    public long bytes() {
      return config.size() + layers.stream().mapToLong(Layer::size).sum();
    }

    public long unpackedBytes() {
      return layers.stream().mapToLong(Layer::unpackedSize).sum();
    }
  }

  public String indexDigest() {
    return index.digest();
  }

  public Optional<PlatformManifest> platform(String platform) {
    return Optional.ofNullable(platforms.get(Platform.normalize(platform)));
  }
}
