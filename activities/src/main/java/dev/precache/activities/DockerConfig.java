package dev.precache.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Registry logins from a docker {@code config.json} ({@code auths}: {@code auth} as base64 {@code user:password},
 * or {@code username} and {@code password}), the format of a Kubernetes {@code kubernetes.io/dockerconfigjson}
 * Secret. Keys may be hosts or URLs ({@code https://index.docker.io/v1/}). Credential helpers and identity
 * tokens are not read.
 */
public final class DockerConfig {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, RegistryLogin> logins;

  private DockerConfig(Map<String, RegistryLogin> logins) {
    this.logins = logins;
  }

  public static DockerConfig empty() {
    return new DockerConfig(Map.of());
  }

  /**
   * Where docker and its kin (crane, skopeo's docker fallback) look when told nothing: {@code $DOCKER_CONFIG/config.json},
   * else {@code ~/.docker/config.json}; empty when that file does not exist.
   */
  public static Optional<Path> standardFile(Map<String, String> environment, Path home) {
    String dockerConfig = environment.get("DOCKER_CONFIG");
    Path file = dockerConfig == null || dockerConfig.isBlank()
        ? home.resolve(".docker").resolve("config.json")
        : Path.of(dockerConfig).resolve("config.json");
    return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  /** Reads the file; an unreadable or malformed file is an error naming the file, never its content. */
  public static DockerConfig read(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot read registry credentials from " + file + ": "
          + (e instanceof IOException ? e.toString() : e.getMessage()));
    }
  }

  static DockerConfig parse(String json) {
    JsonNode auths;
    try {
      auths = JSON.readTree(json).path("auths");
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON");
    }
    Map<String, RegistryLogin> logins = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode auth = entry.getValue();
      String username = auth.path("username").asText("");
      String password = auth.path("password").asText("");
      if (auth.hasNonNull("auth")) {
        String decoded;
        try {
          decoded = new String(Base64.getDecoder().decode(auth.get("auth").asText()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("the auth of " + entry.getKey() + " is not base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
          throw new IllegalArgumentException("the auth of " + entry.getKey() + " is not user:password");
        }
        username = decoded.substring(0, colon);
        password = decoded.substring(colon + 1);
      }
      if (!username.isEmpty()) {
        logins.put(hostOf(entry.getKey()), new RegistryLogin(username, password));
      }
    }
    return new DockerConfig(Map.copyOf(logins));
  }

  Optional<RegistryLogin> loginFor(String host) {
    return Optional.ofNullable(logins.get(RegistryEndpoints.host(host)));
  }

  /** How many registries the file has logins for: for the worker's start-up log, which names no secret. */
  public int size() {
    return logins.size();
  }

  /** {@code https://index.docker.io/v1/} → {@code docker.io}; {@code quay.io} → {@code quay.io}. */
  private static String hostOf(String key) {
    String host = key.replaceFirst("^[a-zA-Z]+://", "");
    int slash = host.indexOf('/');
    return RegistryEndpoints.host(slash < 0 ? host : host.substring(0, slash));
  }
}
