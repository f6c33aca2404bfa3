package dev.precache.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.activities.RegistryClient.Answer;
import dev.precache.activities.RegistryCredentials.EcrRegistry;
import dev.precache.workflows.ImageReference;
import dev.precache.workflows.RegistryActivities;
import dev.precache.workflows.ResolvedImage;
import dev.precache.workflows.ResolvedLayer;
import io.temporal.activity.Activity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Resolves images from their registries, through the worker's host → URL mapping: ECR with the worker's own AWS
 * credentials (GetAuthorizationToken in the registry's region, then Basic {@code AWS:<password>}), other
 * registries with the worker's docker config login for the host, or anonymously.
 */
public final class RegistryActivitiesImpl implements RegistryActivities {

  private static final Logger log = LoggerFactory.getLogger(RegistryActivitiesImpl.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> INDEX_TYPES = Set.of(
      "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json");
  private static final Set<String> MANIFEST_TYPES = Set.of(
      "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json");

  private final AwsClients aws;
  private final RegistryEndpoints endpoints;
  private final DockerConfig dockerConfig;

  public RegistryActivitiesImpl(AwsClients aws, RegistryEndpoints endpoints, DockerConfig dockerConfig) {
    this.aws = aws;
    this.endpoints = endpoints;
    this.dockerConfig = dockerConfig;
  }

  @Override
  public List<ResolvedImage> resolveImages(ResolveSpec spec) {
    // One client per call: tokens live as long as this activity attempt, and never leave it.
    RegistryClient client = new RegistryClient(endpoints, this::loginFor);
    List<ResolvedImage> resolved = new ArrayList<>();
    for (String image : spec.images()) {
      resolved.addAll(resolve(client, image, spec.platforms()));
      Activity.getExecutionContext().heartbeat(image);
    }
    return resolved;
  }

  /** Every platform of one image: the reference's manifest (an index, or one manifest), then each platform's. */
  List<ResolvedImage> resolve(RegistryClient client, String image, List<String> platforms) {
    ImageReference reference = ImageReference.parse(image);
    String pointer = reference.digest() != null ? reference.digest() : reference.tag();
    Manifest top = fetchManifest(client, image, reference, pointer);
    if (reference.digest() != null && !reference.digest().equals(top.digest())) {
      throw RegistryFailures.malformed(image, "the registry answered " + top.digest() + " for " + reference.digest());
    }
    List<ResolvedImage> resolved = new ArrayList<>();
    for (String platform : platforms) {
      Manifest manifest = top;
      if (top.isIndex()) {
        String digest = platformManifest(image, top.json(), platform);
        manifest = fetchManifest(client, image, reference, digest);
        if (manifest.isIndex()) {
          throw RegistryFailures.malformed(image, "the " + platform + " entry of its index is itself an index");
        }
      } else {
        requireConfigPlatform(client, image, reference, manifest, platform);
      }
      resolved.add(resolvedImage(image, platform, top.digest(), manifest));
    }
    log.info("Resolved {} to {} for {}", image, top.digest(), platforms);
    return resolved;
  }

  /** A manifest as the registry sent it, with the digest of its exact bytes. */
  record Manifest(String digest, String mediaType, JsonNode json) {
    boolean isIndex() {
      return INDEX_TYPES.contains(mediaType);
    }
  }

  private Manifest fetchManifest(RegistryClient client, String image, ImageReference reference, String pointer) {
    String action = "GET manifest " + pointer;
    Answer answer = ask(image, action, () -> client.manifest(reference.registry(), reference.repository(), pointer));
    String digest = "sha256:" + sha256Hex(answer.body());
    Optional<String> claimed = answer.headers().firstValue("Docker-Content-Digest");
    if (claimed.isPresent() && !claimed.get().equals(digest)) {
      throw RegistryFailures.malformed(image, "Docker-Content-Digest " + claimed.get() + " is not the digest of the "
          + "manifest sent (" + digest + ")");
    }
    JsonNode json;
    try {
      json = JSON.readTree(answer.body());
    } catch (IOException e) {
      throw RegistryFailures.malformed(image, "the manifest of " + pointer + " is not JSON");
    }
    String mediaType = json.path("mediaType").asText(
        answer.headers().firstValue("Content-Type").orElse("").replaceAll(";.*", "").strip());
    if (mediaType.isEmpty() && json.has("manifests")) {
      mediaType = "application/vnd.oci.image.index.v1+json";
    } else if (mediaType.isEmpty() && json.has("layers")) {
      mediaType = "application/vnd.oci.image.manifest.v1+json";
    }
    if (!INDEX_TYPES.contains(mediaType) && !MANIFEST_TYPES.contains(mediaType)) {
      throw RegistryFailures.malformed(image, "unsupported manifest type '" + mediaType + "' for " + pointer);
    }
    return new Manifest(digest, mediaType, json);
  }

  /**
   * The digest of the index entry for {@code platform} ({@code linux/arm64} also matches variant v8); an index
   * without one fails naming the platforms it has.
   */
  private static String platformManifest(String image, JsonNode index, String platform) {
    String[] wanted = platform.split("/");
    List<String> available = new ArrayList<>();
    for (JsonNode entry : index.path("manifests")) {
      JsonNode p = entry.path("platform");
      String os = p.path("os").asText("");
      String architecture = p.path("architecture").asText("");
      String variant = p.path("variant").asText("");
      if (os.equals("unknown") || os.isEmpty()) {
        continue; // attestations and other non-image entries
      }
      available.add(os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant));
      boolean variantFits = variant.isEmpty() || (wanted[1].equals("arm64") && variant.equals("v8"));
      if (os.equals(wanted[0]) && architecture.equals(wanted[1]) && variantFits) {
        return entry.path("digest").asText();
      }
    }
    throw RegistryFailures.platformMissing(image, platform, available);
  }

  /** A single-manifest image names its platform only in its config. */
  private void requireConfigPlatform(RegistryClient client, String image, ImageReference reference, Manifest manifest,
      String platform) {
    String configDigest = manifest.json().path("config").path("digest").asText();
    Answer config = ask(image, "GET config " + configDigest,
        () -> client.blob(reference.registry(), reference.repository(), configDigest));
    JsonNode json;
    try {
      json = JSON.readTree(config.body());
    } catch (IOException e) {
      throw RegistryFailures.malformed(image, "its config " + configDigest + " is not JSON");
    }
    String has = json.path("os").asText("") + "/" + json.path("architecture").asText("");
    if (!has.equals(platform)) {
      throw RegistryFailures.platformMissing(image, platform, List.of(has));
    }
  }

  private static ResolvedImage resolvedImage(String image, String platform, String digest, Manifest manifest) {
    JsonNode config = manifest.json().path("config");
    List<ResolvedLayer> layers = new ArrayList<>();
    for (JsonNode layer : manifest.json().path("layers")) {
      layers.add(new ResolvedLayer(layer.path("digest").asText(), layer.path("mediaType").asText(),
          layer.path("size").asLong()));
    }
    if (config.path("digest").asText().isEmpty() || layers.stream().anyMatch(l -> l.digest().isEmpty())) {
      throw RegistryFailures.malformed(image, "the " + platform + " manifest " + manifest.digest()
          + " lacks a config or layer digest");
    }
    return new ResolvedImage(image, platform, digest, manifest.digest(), config.path("digest").asText(),
        config.path("size").asLong(), List.copyOf(layers));
  }

  private interface Request {
    Answer send() throws IOException;
  }

  /** Sends, and turns anything but success into the failure {@link RegistryFailures} classifies. */
  private static Answer ask(String image, String action, Request request) {
    Answer answer;
    try {
      answer = request.send();
    } catch (RegistryClient.TokenRefused refused) {
      Answer token = refused.answer;
      if (!refused.withLogin && (token.status() == 401 || token.status() == 403)) {
        throw RegistryFailures.noCredentials(image, ImageReference.parse(image).registry());
      }
      throw RegistryFailures.classify(image, action + " (token)", token.status(), token.headers(), token.text());
    } catch (RegistryClient.NoLogin noLogin) {
      throw RegistryFailures.noCredentials(image, noLogin.host);
    } catch (IOException e) {
      throw RegistryFailures.unreachable(image, action, e);
    }
    if (!answer.ok()) {
      throw RegistryFailures.classify(image, action, answer.status(), answer.headers(), answer.text());
    }
    return answer;
  }

  /** ECR: a fresh token from the worker's own AWS credentials; any other host: the docker config's login. */
  private Optional<RegistryLogin> loginFor(String host) {
    Optional<EcrRegistry> ecr = EcrRegistry.ofHost(host);
    if (ecr.isEmpty()) {
      return dockerConfig.loginFor(host);
    }
    try {
      return Optional.of(RegistryCredentials.ecrLogin(aws, ecr.get()));
    } catch (SdkException e) {
      throw AwsFailures.classify("get an ECR token for " + host, e);
    }
  }

  private static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
