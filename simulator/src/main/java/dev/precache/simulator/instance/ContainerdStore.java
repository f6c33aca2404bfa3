package dev.precache.simulator.instance;

import dev.precache.simulator.instance.CatalogImage.Layer;
import dev.precache.simulator.instance.CatalogImage.PlatformManifest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * containerd's state on the data volume: the image store (per namespace, name → the index it points at and
 * labels), the content store (compressed blobs by digest, with labels), the overlayfs snapshots (unpacked
 * layers by chain ID) and ingests left by interrupted downloads. Which platforms of an image are present is
 * read from the content, as {@code ctr images check} does. Removing an image collects the content and snapshots
 * no image references at once, as {@code ctr images rm --sync} does (without it containerd's GC scheduler runs
 * soon after), except what a running pull's lease holds; ingests survive.
 */
final class ContainerdStore {
  /**
   * containerd's metadata (meta.db, a bbolt file) grows with its records; the simulator counts one 4 KiB bbolt
   * page per blob, snapshot and image. An estimate: bbolt's page size is the OS page size; record packing varies.
   */
  static final long METADATA_BYTES_PER_RECORD = 4096;

  record StoredImage(String name, CatalogImage image, Map<String, String> labels, long createdAt) {}

  record ContentBlob(String digest, long size, long createdAt, Map<String, String> labels, Set<String> namespaces) {}

  private final Map<String, Map<String, StoredImage>> namespaces = new TreeMap<>();
  private final Map<String, ContentBlob> content = new TreeMap<>();
  private final Map<String, Long> snapshots = new HashMap<>();
  private final Map<String, Long> ingests = new HashMap<>();
  /** Downloads writing now, by ref: what {@code ctr content active} lists. */
  private final Map<String, PullTraffic.Transfer> activeIngests = new TreeMap<>();
  /** Blob digests and chain IDs a running pull holds, with how many pulls hold each. */
  private final Map<String, Integer> leases = new HashMap<>();
  private long changes;
  /**
   * Bytes written to the volume since it was made or restored: new blobs and ingests, unpacked layers, and one
   * metadata page per record written or removed (bbolt copies a page on write). Removing an image writes only
   * metadata: containerd deletes the blob and snapshot files, and a file system frees their blocks without
   * writing them. EBS's incremental snapshot stores exactly these blocks ({@code SnapshotBlocks}).
   */
  private long writtenBytes;

  /** Counts every change to blobs, snapshots and images: how the runtime tells that an instant settled. */
  long changes() {
    return changes;
  }

  List<StoredImage> images(String namespace) {
    return List.copyOf(namespaces.getOrDefault(namespace, Map.of()).values());
  }

  /** Creates or updates the image record: it points at this index; the labels are added to its labels. */
  void putImage(String namespace, String name, CatalogImage image, Map<String, String> labels, long now) {
    Map<String, StoredImage> images = namespaces.computeIfAbsent(namespace, ignored -> new TreeMap<>());
    StoredImage existing = images.get(name);
    Map<String, String> merged = new TreeMap<>(existing == null ? Map.of() : existing.labels());
    merged.putAll(labels);
    changes++;
    writtenBytes += METADATA_BYTES_PER_RECORD;
    images.put(name, new StoredImage(name, image, Map.copyOf(merged), existing == null ? now : existing.createdAt()));
  }

  boolean removeImage(String namespace, String name) {
    boolean removed = namespaces.getOrDefault(namespace, new HashMap<>()).remove(name) != null;
    if (removed) {
      changes++;
      int before = content.size() + snapshots.size();
      collectGarbage();
      writtenBytes += (1 + before - content.size() - snapshots.size()) * METADATA_BYTES_PER_RECORD;
    }
    return removed;
  }

  boolean holdsBlob(String digest) {
    return content.containsKey(digest);
  }

  boolean holdsSnapshot(String chainId) {
    return snapshots.containsKey(chainId);
  }

  void addBlob(String namespace, String digest, long size, Map<String, String> labels, long now) {
    long ingested = ingests.getOrDefault(digest, 0L);
    ingests.remove(digest);
    ContentBlob existing = content.get(digest);
    if (existing == null) {
      writtenBytes += Math.max(0, size - ingested) + METADATA_BYTES_PER_RECORD;
    }
    Set<String> blobNamespaces = new HashSet<>(existing == null ? Set.of() : existing.namespaces());
    blobNamespaces.add(namespace);
    Map<String, String> merged = new TreeMap<>(existing == null ? Map.of() : existing.labels());
    merged.putAll(labels);
    changes++;
    content.put(digest, new ContentBlob(digest, size, existing == null ? now : existing.createdAt(), Map.copyOf(merged),
        Set.copyOf(blobNamespaces)));
  }

  void addDocument(String namespace, OciDocument document, Map<String, String> labels, long now) {
    addBlob(namespace, document.digest(), document.size(), labels, now);
  }

  /** Labels a blob already stored, as the unpacker does with {@code containerd.io/uncompressed}. */
  void labelBlob(String digest, String key, String value) {
    ContentBlob blob = content.get(digest);
    Map<String, String> labels = new TreeMap<>(blob.labels());
    labels.put(key, value);
    content.put(digest, new ContentBlob(digest, blob.size(), blob.createdAt(), Map.copyOf(labels), blob.namespaces()));
  }

  void addSnapshot(String chainId, long unpackedBytes) {
    changes++;
    if (!snapshots.containsKey(chainId)) {
      writtenBytes += unpackedBytes + METADATA_BYTES_PER_RECORD;
    }
    snapshots.put(chainId, unpackedBytes);
  }

  /** The ref a download writes a layer under: remotes.MakeRefKey's {@code layer-<digest>} (core/remotes/handlers.go). */
  static String layerRef(String digest) {
    return "layer-" + digest;
  }

  void beginIngest(String ref, PullTraffic.Transfer download) {
    activeIngests.put(ref, download);
  }

  void endIngest(String ref) {
    activeIngests.remove(ref);
  }

  /**
   * Downloads under way, by ref. Ingests left by stopped pulls are not listed, though containerd would list them
   * too (with their start time, which this model does not keep).
   */
  Map<String, PullTraffic.Transfer> activeIngests() {
    return Map.copyOf(activeIngests);
  }

  /** A download that stopped part way leaves its ingest on the volume, for a later pull to resume. */
  void leaveIngest(String digest, long bytes) {
    if (bytes > 0) {
      changes++;
      writtenBytes += Math.max(0, bytes - ingests.getOrDefault(digest, 0L));
      ingests.put(digest, bytes);
    }
  }

  /**
   * A running pull's content (blob digests, chain IDs) is safe from garbage collection: ctr pulls under a lease
   * it deletes when the command ends (containerd client.WithLease).
   */
  void lease(String key) {
    leases.merge(key, 1, Integer::sum);
  }

  void release(String key) {
    changes++;
    leases.computeIfPresent(key, (ignored, count) -> count == 1 ? null : count - 1);
  }

  List<ContentBlob> content(String namespace) {
    return content.values().stream().filter(blob -> blob.namespaces().contains(namespace)).toList();
  }

  /** The platforms of the image whose manifest, config and layers are all in the content store. */
  List<PlatformManifest> completePlatforms(StoredImage image) {
    return image.image().platforms().values().stream().filter(this::complete).toList();
  }

  boolean complete(PlatformManifest manifest) {
    return holdsBlob(manifest.digest()) && holdsBlob(manifest.config().digest())
        && manifest.layers().stream().allMatch(layer -> holdsBlob(layer.digest()));
  }

  /** Whether every layer of the platform is unpacked: its top chain ID has a snapshot. */
  boolean unpacked(PlatformManifest manifest) {
    List<String> chain = chainIds(manifest.layers());
    return chain.isEmpty() || holdsSnapshot(chain.get(chain.size() - 1));
  }

  /** Bytes on the volume: distinct blobs, distinct unpacked snapshots, ingests, and containerd's metadata. */
  long usedBytes() {
    long blobs = content.values().stream().mapToLong(ContentBlob::size).sum();
    long unpacked = snapshots.values().stream().mapToLong(Long::longValue).sum();
    long partial = ingests.values().stream().mapToLong(Long::longValue).sum();
    long records = content.size() + snapshots.size() + namespaces.values().stream().mapToLong(Map::size).sum();
    return blobs + unpacked + partial + (records == 0 ? 0 : records * METADATA_BYTES_PER_RECORD);
  }

  long writtenBytes() {
    return writtenBytes;
  }

  /** The volume was restored from a snapshot: what it holds now came with it, none of it written here. */
  void forgetWrites() {
    writtenBytes = 0;
  }

  List<VolumeImage> contents() {
    List<VolumeImage> contents = new ArrayList<>();
    namespaces.forEach((namespace, images) -> images.values().forEach(image -> completePlatforms(image).forEach(
        manifest -> contents.add(new VolumeImage(namespace, image.name(), Platform.normalize(manifest.platform()),
            image.image().indexDigest(), manifest.digest(), manifest.bytes(), manifest.unpackedBytes(),
            image.labels())))));
    return contents;
  }

  /** Puts back an image × platform a snapshot recorded: its documents, blobs and unpacked layers. */
  void restore(String namespace, String name, CatalogImage image, PlatformManifest manifest, Map<String, String> labels) {
    addDocument(namespace, image.index(), Map.of(), 0);
    addDocument(namespace, manifest.manifest(), Map.of(), 0);
    addDocument(namespace, manifest.config(), Map.of(), 0);
    List<String> chain = chainIds(manifest.layers());
    for (int i = 0; i < manifest.layers().size(); i++) {
      Layer layer = manifest.layers().get(i);
      addBlob(namespace, layer.digest(), layer.size(), Map.of("containerd.io/uncompressed", layer.diffId()), 0);
      addSnapshot(chain.get(i), layer.unpackedSize());
    }
    putImage(namespace, name, image, labels, 0);
  }

  /** containerd's chain IDs: the first layer's diff ID, then sha256(parent chain ID + " " + diff ID). */
  static List<String> chainIds(List<Layer> layers) {
    List<String> chain = new ArrayList<>();
    for (Layer layer : layers) {
      chain.add(chain.isEmpty() ? layer.diffId() : OciDocument.sha256(
          (chain.get(chain.size() - 1) + " " + layer.diffId()).getBytes(StandardCharsets.UTF_8)));
    }
    return chain;
  }

  private void collectGarbage() {
    Set<String> liveBlobs = new HashSet<>();
    Set<String> liveSnapshots = new HashSet<>();
    liveBlobs.addAll(leases.keySet());
    namespaces.values().forEach(images -> images.values().forEach(stored -> {
      liveBlobs.add(stored.image().indexDigest());
      stored.image().platforms().values().forEach(manifest -> {
        liveBlobs.add(manifest.digest());
        liveBlobs.add(manifest.config().digest());
        manifest.layers().forEach(layer -> liveBlobs.add(layer.digest()));
        liveSnapshots.addAll(chainIds(manifest.layers()));
      });
    }));
    content.keySet().retainAll(liveBlobs);
    snapshots.keySet().removeIf(chain -> !liveSnapshots.contains(chain) && !liveBlobs.contains(chain));
  }
}
