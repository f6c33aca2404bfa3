package dev.precache.simulator.instance;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.precache.simulator.instance.CatalogImage.Layer;
import dev.precache.simulator.instance.CatalogImage.PlatformManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The images the simulated registries serve, and who may pull them. Each tag points at an OCI index built from
 * the catalog's layers ({@link OciLayout}); a tag can be moved to new content ({@link #rebuild}), and every
 * index, manifest and config ever served stays reachable by digest, as in a registry before garbage collection.
 * Public registries are anonymous; private ECR registries ({@code <account>.dkr.ecr.<region>.amazonaws.com})
 * take user AWS with a password the simulated ECR issued for that region and that has not expired; a registry
 * may also declare basic credentials. Shared by every instance, the registry servers and the ECR service, so
 * it is safe for concurrent use.
 */
public final class RegistryCatalog {
  private static final Pattern ECR_HOST = Pattern.compile("\\d{12}\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?");
  private static final Duration ECR_TOKEN_LIFETIME = Duration.ofHours(12);
  /**
   * One connection's download rate, unless the catalog says otherwise: inside FIGURES.md's range, from "a few hundred
   * Mbit/s" to ECR (data-on-eks soci-spark-image-pulls.md) to a 2.7 GiB layer fetched in ~15 s, ~190 MB/s
   * (containerd#13559, one observation); nearer the fast end.
   */
  private static final long DEFAULT_PULL_BYTES_PER_SECOND = 150_000_000L;
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private record Registry(Optional<String> username, Optional<String> password, Optional<Long> pullBytesPerSecond) {}

  /** A blob as a registry's blob endpoint knows it; content only for the JSON configs, layers are sized only. */
  public record Blob(String digest, long size, Optional<byte[]> content) {}

  private static final Registry PUBLIC = new Registry(Optional.empty(), Optional.empty(), Optional.empty());

  private final Map<String, CatalogImage> images = new ConcurrentHashMap<>();
  private final Map<String, Registry> registries;
  private final long pullBytesPerSecond;
  private final Map<String, OciDocument> documents = new ConcurrentHashMap<>();
  private final Map<String, PlatformManifest> manifests = new ConcurrentHashMap<>();
  private final Map<String, CatalogImage> indexes = new ConcurrentHashMap<>();
  private final Map<String, Layer> layers = new ConcurrentHashMap<>();
  /** "host/repository" → the digests of every blob and document it ever served. */
  private final Map<String, Set<String>> repositoryContent = new ConcurrentHashMap<>();
  private final Map<String, EcrAuthorization> issuedEcrPasswords = new ConcurrentHashMap<>();
  private final AtomicLong ecrTokensIssued = new AtomicLong();
  private final AtomicLong rebuilds = new AtomicLong();
  private volatile LongSupplier simClock = () -> 0L;

  private RegistryCatalog(Map<String, Registry> registries, long pullBytesPerSecond) {
    this.registries = registries;
    this.pullBytesPerSecond = pullBytesPerSecond;
  }

  /** The catalog on the classpath, {@code registry-catalog.yaml}. */
  public static RegistryCatalog defaults() {
    return new RegistryCatalog(Map.of(), DEFAULT_PULL_BYTES_PER_SECOND).merge(List.of(defaultYaml()));
  }

  /** The defaults with the file's layers, images, registries and rate laid over them. */
  public static RegistryCatalog load(Path yaml) {
    try {
      Map<String, Object> overlay = YAML.readValue(Files.readString(yaml), new TypeReference<Map<String, Object>>() {});
      return new RegistryCatalog(Map.of(), DEFAULT_PULL_BYTES_PER_SECOND).merge(List.of(defaultYaml(), overlay));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Object> defaultYaml() {
    try (InputStream in = RegistryCatalog.class.getResourceAsStream("/registry-catalog.yaml")) {
      if (in == null) {
        throw new IllegalStateException("registry-catalog.yaml is missing from the classpath");
      }
      return YAML.readValue(in, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @param normalizedRef a fully qualified reference, {@code host/repository:tag}; the tag's current content */
  public Optional<CatalogImage> find(String normalizedRef) {
    return Optional.ofNullable(images.get(normalizedRef));
  }

  /** Every registry host that serves an image or is declared, as it appears in references. */
  public SortedSet<String> hosts() {
    SortedSet<String> hosts = new TreeSet<>(registries.keySet());
    images.keySet().forEach(reference -> hosts.add(split(reference)[0]));
    return hosts;
  }

  public boolean repositoryExists(String host, String repository) {
    return repositoryContent.containsKey(host + "/" + repository);
  }

  /** The repository's tags in lexical order, as a registry's tag list returns them. */
  public List<String> tags(String host, String repository) {
    String prefix = host + "/" + repository + ":";
    return images.keySet().stream().filter(reference -> reference.startsWith(prefix))
        .map(reference -> reference.substring(prefix.length())).sorted().toList();
  }

  /** What {@code /v2/<repository>/manifests/<tagOrDigest>} serves: the tag's index, or an index or manifest by digest. */
  public Optional<OciDocument> manifest(String host, String repository, String tagOrDigest) {
    if (!tagOrDigest.startsWith("sha256:")) {
      return find(host + "/" + repository + ":" + tagOrDigest).map(CatalogImage::index);
    }
    return servedBy(host, repository, tagOrDigest).map(documents::get)
        .filter(document -> !document.mediaType().equals(OciDocument.CONFIG));
  }

  /** What {@code /v2/<repository>/blobs/<digest>} serves: a config (with its JSON) or a layer (size only). */
  public Optional<Blob> blob(String host, String repository, String digest) {
    return servedBy(host, repository, digest).flatMap(found -> {
      OciDocument document = documents.get(found);
      if (document != null) {
        return document.mediaType().equals(OciDocument.CONFIG)
            ? Optional.of(new Blob(found, document.size(), Optional.of(document.content()))) : Optional.empty();
      }
      Layer layer = layers.get(found);
      return Optional.of(new Blob(found, layer.size(), Optional.empty()));
    });
  }

  /** A manifest ever served, by digest: how a restored volume finds what its snapshot recorded. */
  public Optional<PlatformManifest> manifestByDigest(String digest) {
    return Optional.ofNullable(manifests.get(digest));
  }

  /** An image version ever served, by its index digest. */
  public Optional<CatalogImage> imageByIndexDigest(String digest) {
    return Optional.ofNullable(indexes.get(digest));
  }

  /**
   * Moves the tag to new content, as a rebuild pushed under the same tag does: the top layer of every platform
   * is replaced, so each platform gets a new config and manifest, and the tag a new index. The old content
   * stays reachable by digest. The registry servers and the instances' pulls see the new content at once.
   */
  public synchronized CatalogImage rebuild(String normalizedRef) {
    CatalogImage current = find(normalizedRef).orElseThrow(() -> new IllegalArgumentException(
        "registry catalog: no image " + normalizedRef + " to rebuild"));
    long generation = rebuilds.incrementAndGet();
    Map<String, List<Layer>> rebuilt = new LinkedHashMap<>();
    current.platforms().values().forEach(manifest -> {
      List<Layer> next = new ArrayList<>(manifest.layers());
      Layer top = next.remove(next.size() - 1);
      next.add(OciLayout.layer(top.digest() + "|rebuild " + generation, top.size(), top.unpackedSize()));
      rebuilt.put(manifest.platform(), next);
    });
    CatalogImage image = OciLayout.image(normalizedRef, rebuilt);
    publish(image);
    return image;
  }

  public boolean requiresCredentials(String registryHost) {
    return ECR_HOST.matcher(registryHost).matches() || registries.getOrDefault(registryHost, PUBLIC).username().isPresent();
  }

  /** Whether the registry is private ECR: Basic auth with user AWS, realm and service as ECR names them. */
  public boolean isEcr(String registryHost) {
    return ECR_HOST.matcher(registryHost).matches();
  }

  public boolean authorize(String registryHost, String username, String password) {
    Matcher ecr = ECR_HOST.matcher(registryHost);
    if (ecr.matches()) {
      EcrAuthorization issued = password == null ? null : issuedEcrPasswords.get(password);
      return "AWS".equals(username)
          && issued != null
          && issued.proxyEndpoint().endsWith("." + ecr.group(1) + ".amazonaws.com" + (ecr.group(2) == null ? "" : ".cn"))
          && simClock.getAsLong() < issued.expiresAtSimMillis();
    }
    Registry registry = registries.getOrDefault(registryHost, PUBLIC);
    return registry.username().isEmpty()
        || registry.username().get().equals(username) && registry.password().orElse("").equals(password);
  }

  /**
   * A fresh ECR authorization for the region, valid for 12 hours of simulated time; its proxy endpoint is
   * the account's registry, as GetAuthorizationToken returns it.
   */
  public EcrAuthorization issueEcrAuthorization(String accountId, String region) {
    long now = simClock.getAsLong();
    long serial = ecrTokensIssued.incrementAndGet();
    String payload = "{\"region\":\"" + region + "\",\"serial\":" + serial + ",\"issuedAt\":" + now + "}";
    String password = Base64.getEncoder().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    String token = Base64.getEncoder().encodeToString(("AWS:" + password).getBytes(StandardCharsets.UTF_8));
    String suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    EcrAuthorization authorization = new EcrAuthorization(token, password, now + ECR_TOKEN_LIFETIME.toMillis(),
        "https://" + accountId + ".dkr.ecr." + region + "." + suffix);
    issuedEcrPasswords.put(password, authorization);
    return authorization;
  }

  /** Every ECR password issued so far, to whomever asked: for tests that look for them where they must not be. */
  public List<String> issuedEcrPasswords() {
    return List.copyOf(issuedEcrPasswords.keySet());
  }

  /** The simulated clock ECR token lifetimes are measured on; until set, time stands at 0. */
  public void useSimClock(LongSupplier nowSimMillis) {
    this.simClock = nowSimMillis;
  }

  /** The rate one connection gets from the registry, however idle the instance's network. */
  public long pullBytesPerSecond(String registryHost) {
    return registries.getOrDefault(registryHost, PUBLIC).pullBytesPerSecond().orElse(pullBytesPerSecond);
  }

  private Optional<String> servedBy(String host, String repository, String digest) {
    return repositoryContent.getOrDefault(host + "/" + repository, Set.of()).contains(digest)
        ? Optional.of(digest) : Optional.empty();
  }

  private void publish(CatalogImage image) {
    Set<String> served = repositoryContent.computeIfAbsent(repositoryOf(image.reference()), ignored -> ConcurrentHashMap.newKeySet());
    documents.put(image.indexDigest(), image.index());
    indexes.put(image.indexDigest(), image);
    served.add(image.indexDigest());
    image.platforms().values().forEach(manifest -> {
      documents.put(manifest.digest(), manifest.manifest());
      documents.put(manifest.config().digest(), manifest.config());
      manifests.put(manifest.digest(), manifest);
      served.add(manifest.digest());
      served.add(manifest.config().digest());
      manifest.layers().forEach(layer -> {
        layers.put(layer.digest(), layer);
        served.add(layer.digest());
      });
    });
    images.put(image.reference(), image);
  }

  private RegistryCatalog merge(List<Map<String, Object>> yamls) {
    Map<String, Registry> mergedRegistries = new LinkedHashMap<>(registries);
    Map<String, Object> namedLayers = new LinkedHashMap<>();
    Map<String, Object> imageSpecs = new LinkedHashMap<>();
    long rate = pullBytesPerSecond;
    for (Map<String, Object> yaml : yamls) {
      rate = Optional.ofNullable(yaml.get("pullBytesPerSecond")).map(RegistryCatalog::bytes).orElse(rate);
      asMap(yaml.get("registries"), "registries").forEach((host, settings) -> {
        Map<String, Object> fields = asMap(settings, "registries/" + host);
        mergedRegistries.put(host, new Registry(
            Optional.ofNullable(fields.get("username")).map(String::valueOf),
            Optional.ofNullable(fields.get("password")).map(String::valueOf),
            Optional.ofNullable(fields.get("pullBytesPerSecond")).map(RegistryCatalog::bytes)));
      });
      namedLayers.putAll(asMap(yaml.get("layers"), "layers"));
      imageSpecs.putAll(asMap(yaml.get("images"), "images"));
    }
    RegistryCatalog merged = new RegistryCatalog(mergedRegistries, rate);
    imageSpecs.forEach((reference, platforms) -> {
      Map<String, List<Layer>> layersByPlatform = new LinkedHashMap<>();
      asMap(platforms, "images/" + reference).forEach((platform, spec) ->
          layersByPlatform.put(platform, layers(reference + "|" + platform, spec, namedLayers, "images/" + reference + "/" + platform)));
      merged.publish(OciLayout.image(reference, layersByPlatform));
    });
    return merged;
  }

  /**
   * A platform's layers: a list of shared layer names and inline {@code {size, unpacked}} layers, or a single
   * size (one layer that unpacks to its own size).
   */
  private static List<Layer> layers(String seed, Object spec, Map<String, Object> namedLayers, String where) {
    if (!(spec instanceof List<?> list)) {
      long size = bytes(spec);
      return List.of(OciLayout.layer(seed + "|0", size, size));
    }
    List<Layer> result = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object entry = list.get(i);
      if (entry instanceof String name) {
        if (!namedLayers.containsKey(name)) {
          throw new IllegalArgumentException("registry catalog: " + where + " names layer " + name + ", not under layers");
        }
        result.add(inlineLayer("layer " + name, asMap(namedLayers.get(name), "layers/" + name), "layers/" + name));
      } else {
        result.add(inlineLayer(seed + "|" + i, asMap(entry, where + "[" + i + "]"), where + "[" + i + "]"));
      }
    }
    return List.copyOf(result);
  }

  private static Layer inlineLayer(String seed, Map<String, Object> fields, String where) {
    if (!fields.containsKey("size") || !fields.containsKey("unpacked")) {
      throw new IllegalArgumentException("registry catalog: " + where + " needs size and unpacked");
    }
    return OciLayout.layer(seed, bytes(fields.get("size")), bytes(fields.get("unpacked")));
  }

  private static String repositoryOf(String reference) {
    String[] parts = split(reference);
    return parts[0] + "/" + parts[1];
  }

  /** host, repository, tag of a catalog reference. */
  private static String[] split(String reference) {
    try {
      ImageReference parsed = ImageReference.parse(reference);
      return new String[] {parsed.host(), parsed.repository(), parsed.object()};
    } catch (ImageReference.InvalidReference e) {
      throw new IllegalArgumentException("registry catalog: " + reference + " is not host/repository:tag: " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value, String where) {
    if (value == null) {
      return Map.of();
    }
    if (value instanceof Map<?, ?>) {
      return (Map<String, Object>) value;
    }
    throw new IllegalArgumentException("registry catalog: " + where + " must be a mapping");
  }

  private static long bytes(Object size) {
    return size instanceof Number number ? number.longValue() : ByteSize.parse(String.valueOf(size));
  }

  /** Stable across runs: the same seed always gives the same digest. */
  static String digest(String seed) {
    return OciDocument.sha256(seed.getBytes(StandardCharsets.UTF_8));
  }
}
