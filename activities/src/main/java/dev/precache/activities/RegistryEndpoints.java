package dev.precache.activities;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the worker reaches each registry host: a configured URL (a mirror, or the simulator's registry on
 * loopback), else {@code https://<host>}; Docker Hub's API lives at {@code registry-1.docker.io}.
 */
public final class RegistryEndpoints {

  private static final URI DOCKER_HUB = URI.create("https://registry-1.docker.io");

  private final Map<String, URI> mapping;

  private RegistryEndpoints(Map<String, URI> mapping) {
    this.mapping = mapping;
  }

  /** Every host at its own {@code https://} address. */
  public static RegistryEndpoints direct() {
    return new RegistryEndpoints(Map.of());
  }

  /** @param mapping registry host (as in image references, e.g. {@code docker.io}) → base URL */
  public static RegistryEndpoints of(Map<String, URI> mapping) {
    Map<String, URI> normalised = new TreeMap<>();
    mapping.forEach((host, url) -> {
      String scheme = url.getScheme();
      if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
        throw new IllegalArgumentException("registry endpoint of " + host + " must be an http(s) URL, got " + url);
      }
      normalised.put(host(host), URI.create(url.toString().replaceAll("/+$", "")));
    });
    return new RegistryEndpoints(Map.copyOf(normalised));
  }

  /** The base URL of {@code host}'s registry API ({@code /v2/} is below it). */
  public URI baseOf(String host) {
    String normalised = host(host);
    URI configured = mapping.get(normalised);
    if (configured != null) {
      return configured;
    }
    return normalised.equals("docker.io") ? DOCKER_HUB : URI.create("https://" + normalised);
  }

  public Map<String, URI> mapping() {
    return mapping;
  }

  /** {@code index.docker.io}, {@code registry-1.docker.io} and {@code docker.io} are one registry. */
  static String host(String host) {
    String lower = host.strip().toLowerCase(Locale.ROOT);
    return lower.equals("index.docker.io") || lower.equals("registry-1.docker.io") ? "docker.io" : lower;
  }
}
