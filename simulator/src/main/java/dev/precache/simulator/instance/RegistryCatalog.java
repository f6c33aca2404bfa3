package dev.precache.simulator.instance;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The images the simulated registries serve, and who may pull them. Public registries are anonymous;
 * private ECR registries ({@code <account>.dkr.ecr.<region>.amazonaws.com}) take user AWS with a password the
 * simulated ECR issued for that region and that has not expired; a registry may also declare basic credentials.
 * Shared by every instance and the ECR service, so it is safe for concurrent use.
 */
public final class RegistryCatalog {
  private static final Pattern ECR_HOST = Pattern.compile("\\d{12}\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?");
  private static final Duration ECR_TOKEN_LIFETIME = Duration.ofHours(12);
  private static final long DEFAULT_PULL_BYTES_PER_SECOND = 150_000_000L;
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private record Registry(Optional<String> username, Optional<String> password, Optional<Long> pullBytesPerSecond) {}

  private static final Registry PUBLIC = new Registry(Optional.empty(), Optional.empty(), Optional.empty());

  private final Map<String, CatalogImage> images;
  private final Map<String, Registry> registries;
  private final long pullBytesPerSecond;
  private final Map<String, EcrAuthorization> issuedEcrPasswords = new ConcurrentHashMap<>();
  private final AtomicLong ecrTokensIssued = new AtomicLong();
  private volatile LongSupplier simClock = () -> 0L;

  private RegistryCatalog(Map<String, CatalogImage> images, Map<String, Registry> registries, long pullBytesPerSecond) {
    this.images = images;
    this.registries = registries;
    this.pullBytesPerSecond = pullBytesPerSecond;
  }

  /** The catalog on the classpath, {@code registry-catalog.yaml}. */
  public static RegistryCatalog defaults() {
    try (InputStream in = RegistryCatalog.class.getResourceAsStream("/registry-catalog.yaml")) {
      if (in == null) {
        throw new IllegalStateException("registry-catalog.yaml is missing from the classpath");
      }
      return new RegistryCatalog(new LinkedHashMap<>(), new LinkedHashMap<>(), DEFAULT_PULL_BYTES_PER_SECOND)
          .merge(YAML.readValue(in, new TypeReference<Map<String, Object>>() {}));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The defaults with the file's images, registries and rate laid over them. */
  public static RegistryCatalog load(Path yaml) {
    try {
      Map<String, Object> overlay = YAML.readValue(Files.readString(yaml), new TypeReference<Map<String, Object>>() {});
      return defaults().merge(overlay);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @param normalizedRef a fully qualified reference, {@code host/repository:tag} */
  public Optional<CatalogImage> find(String normalizedRef) {
    return Optional.ofNullable(images.get(normalizedRef));
  }

  public boolean requiresCredentials(String registryHost) {
    return ECR_HOST.matcher(registryHost).matches() || registries.getOrDefault(registryHost, PUBLIC).username().isPresent();
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

  /** The simulated clock ECR token lifetimes are measured on; until set, time stands at 0. */
  public void useSimClock(LongSupplier nowSimMillis) {
    this.simClock = nowSimMillis;
  }

  /** The rate one pull gets from the registry, however idle the instance's network. */
  public long pullBytesPerSecond(String registryHost) {
    return registries.getOrDefault(registryHost, PUBLIC).pullBytesPerSecond().orElse(pullBytesPerSecond);
  }

  private RegistryCatalog merge(Map<String, Object> yaml) {
    Map<String, CatalogImage> mergedImages = new LinkedHashMap<>(images);
    Map<String, Registry> mergedRegistries = new LinkedHashMap<>(registries);
    long rate = Optional.ofNullable(yaml.get("pullBytesPerSecond")).map(RegistryCatalog::bytes).orElse(pullBytesPerSecond);
    asMap(yaml.get("registries"), "registries").forEach((host, settings) -> {
      Map<String, Object> fields = asMap(settings, "registries/" + host);
      mergedRegistries.put(host, new Registry(
          Optional.ofNullable(fields.get("username")).map(String::valueOf),
          Optional.ofNullable(fields.get("password")).map(String::valueOf),
          Optional.ofNullable(fields.get("pullBytesPerSecond")).map(RegistryCatalog::bytes)));
    });
    asMap(yaml.get("images"), "images").forEach((reference, platforms) -> {
      Map<String, CatalogImage.PlatformManifest> manifests = new TreeMap<>();
      asMap(platforms, "images/" + reference).forEach((platform, size) -> {
        String normalized = Platform.normalize(platform);
        manifests.put(normalized, new CatalogImage.PlatformManifest(digest(reference + "|" + normalized), bytes(size)));
      });
      mergedImages.put(reference, new CatalogImage(reference, digest(reference), Map.copyOf(manifests)));
    });
    return new RegistryCatalog(mergedImages, mergedRegistries, rate);
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

  /** Stable across runs: the same reference and platform always have the same digest. */
  static String digest(String seed) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
