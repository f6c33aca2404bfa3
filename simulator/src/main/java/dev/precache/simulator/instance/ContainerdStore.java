package dev.precache.simulator.instance;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** containerd's image store on the data volume: per namespace, image name → index, labels, pulled platforms. */
final class ContainerdStore {
  record StoredImage(String name, String indexDigest, Map<String, String> labels, Map<String, CatalogImage.PlatformManifest> platforms) {
    long bytes() {
      return platforms.values().stream().mapToLong(CatalogImage.PlatformManifest::bytes).sum();
    }
  }

  private final Map<String, Map<String, StoredImage>> namespaces = new TreeMap<>();

  List<StoredImage> images(String namespace) {
    return List.copyOf(namespaces.getOrDefault(namespace, Map.of()).values());
  }

  Optional<StoredImage> image(String namespace, String name) {
    return Optional.ofNullable(namespaces.getOrDefault(namespace, Map.of()).get(name));
  }

  /** Adds the platforms to the image (creating it), and the labels to its labels. */
  void put(String namespace, String name, String indexDigest, Map<String, String> labels,
      Map<String, CatalogImage.PlatformManifest> platforms) {
    Map<String, StoredImage> images = namespaces.computeIfAbsent(namespace, ignored -> new TreeMap<>());
    StoredImage existing = images.get(name);
    Map<String, String> mergedLabels = new TreeMap<>(existing == null ? Map.of() : existing.labels());
    mergedLabels.putAll(labels);
    Map<String, CatalogImage.PlatformManifest> mergedPlatforms =
        new TreeMap<>(existing == null ? Map.of() : existing.platforms());
    mergedPlatforms.putAll(platforms);
    images.put(name, new StoredImage(name, indexDigest,
        Collections.unmodifiableMap(mergedLabels), Collections.unmodifiableMap(mergedPlatforms)));
  }

  boolean remove(String namespace, String name) {
    return namespaces.getOrDefault(namespace, new HashMap<>()).remove(name) != null;
  }

  /** Whether content with this digest is on the volume, under any name in any namespace. */
  boolean holds(String digest) {
    return namespaces.values().stream()
        .flatMap(images -> images.values().stream())
        .flatMap(image -> image.platforms().values().stream())
        .anyMatch(manifest -> manifest.digest().equals(digest));
  }

  /** Bytes on the volume: each distinct manifest's content counted once. */
  long usedBytes() {
    Map<String, Long> byDigest = new HashMap<>();
    namespaces.values().forEach(images -> images.values().forEach(image -> image.platforms().values()
        .forEach(manifest -> byDigest.put(manifest.digest(), manifest.bytes()))));
    return byDigest.values().stream().mapToLong(Long::longValue).sum();
  }

  List<VolumeImage> contents() {
    List<VolumeImage> contents = new ArrayList<>();
    namespaces.forEach((namespace, images) -> images.values().forEach(image -> image.platforms().forEach(
        (platform, manifest) -> contents.add(
            new VolumeImage(namespace, image.name(), platform, manifest.digest(), manifest.bytes(), image.labels())))));
    return contents;
  }
}
