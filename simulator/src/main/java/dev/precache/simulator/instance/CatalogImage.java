package dev.precache.simulator.instance;

import java.util.Map;
import java.util.Optional;

/** An image a simulated registry serves: its index digest and, per platform, the manifest digest and size. */
public record CatalogImage(String reference, String indexDigest, Map<String, PlatformManifest> platforms) {

  /** One platform's manifest: its digest and the bytes a pull of it writes to the data volume. */
  public record PlatformManifest(String digest, long bytes) {}

  public Optional<PlatformManifest> platform(String platform) {
    return Optional.ofNullable(platforms.get(Platform.normalize(platform)));
  }
}
