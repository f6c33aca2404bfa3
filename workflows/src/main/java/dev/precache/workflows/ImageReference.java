package dev.precache.workflows;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OCI image reference in the distribution reference grammar, normalised the way containerd names images:
 * {@code busybox} is {@code docker.io/library/busybox:latest}, {@code foo/bar} is {@code docker.io/foo/bar:latest}.
 *
 * @param registry   the registry host, with port if any
 * @param repository the lower-case repository path
 * @param tag        the tag, or null when only a digest pins the image
 * @param digest     {@code sha256:<64 hex>}, or null
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

  private static final String DOCKER_HUB = "docker.io";
  private static final int NAME_MAX = 255;
  private static final Pattern DOMAIN = Pattern.compile(
      "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
          + "(?::[0-9]+)?");
  private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Pattern NAME_TAG = Pattern.compile("(?<name>.+?)(?::(?<tag>[^:/]+))?");

  /** Parses and normalises {@code reference}, or throws {@link IllegalArgumentException} saying what is wrong. */
  public static ImageReference parse(String reference) {
    if (reference == null || reference.isBlank()) {
      throw new IllegalArgumentException("empty image reference");
    }
    String rest = reference.strip();
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      if (!DIGEST.matcher(digest).matches()) {
        throw new IllegalArgumentException("'" + reference + "' has an invalid digest; expected sha256:<64 hex>");
      }
    }
    Matcher nameTag = NAME_TAG.matcher(rest);
    if (!nameTag.matches()) {
      throw new IllegalArgumentException("'" + reference + "' has no repository");
    }
    String name = nameTag.group("name");
    String tag = nameTag.group("tag");
    if (tag != null && !TAG.matcher(tag).matches()) {
      throw new IllegalArgumentException("'" + reference + "' has an invalid tag '" + tag + "'");
    }
    if (name.length() > NAME_MAX) {
      throw new IllegalArgumentException("'" + reference + "' is longer than " + NAME_MAX + " characters");
    }

    String registry = DOCKER_HUB;
    String repository = name;
    int slash = name.indexOf('/');
    if (slash >= 0 && looksLikeRegistry(name.substring(0, slash))) {
      registry = name.substring(0, slash);
      repository = name.substring(slash + 1);
      if (!DOMAIN.matcher(registry).matches()) {
        throw new IllegalArgumentException("'" + reference + "' has an invalid registry '" + registry + "'");
      }
      requireValidPort(reference, registry);
    }
    if (registry.equals("index.docker.io")) {
      registry = DOCKER_HUB;
    }
    for (String component : repository.split("/", -1)) {
      if (!PATH_COMPONENT.matcher(component).matches()) {
        throw new IllegalArgumentException("'" + reference + "' has an invalid repository '" + repository
            + "' (lower-case letters, digits and separators . _ __ -)");
      }
    }
    if (registry.equals(DOCKER_HUB) && !repository.contains("/")) {
      repository = "library/" + repository;
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(registry, repository, tag, digest);
  }

  private static void requireValidPort(String reference, String registry) {
    int colon = registry.indexOf(':');
    if (colon < 0) {
      return;
    }
    String port = registry.substring(colon + 1);
    boolean valid = port.length() <= 5 && Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65_535;
    if (!valid) {
      throw new IllegalArgumentException("'" + reference + "' has an invalid registry port '" + port
          + "' (1 to 65535)");
    }
  }

  /** The first path component names a registry when it could not be a Docker Hub user: it has '.' or ':'. */
  private static boolean looksLikeRegistry(String component) {
    return component.contains(".") || component.contains(":") || component.equals("localhost");
  }

  @Override
  public String toString() {
    return registry + "/" + repository + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
  }
}
