package dev.precache.simulator.registry;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bearer tokens the public registries' token endpoints issued: each for one registry host and the
 * repositories its scopes named. Lifetimes run on the wall clock, not the simulated one, so a client's token
 * does not expire between two requests of one command when the simulator runs 100 times faster.
 */
final class RegistryTokens {
  /** Docker Hub's anonymous tokens last 300 s (auth.docker.io returns expires_in: 300). */
  static final Duration LIFETIME = Duration.ofSeconds(300);

  private record Grant(String host, Set<String> repositories, long expiresAtMillis) {}

  private final Map<String, Grant> grants = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();

  String issue(String host, Set<String> repositories) {
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    String token = HexFormat.of().formatHex(bytes);
    grants.put(token, new Grant(host, Set.copyOf(repositories), System.currentTimeMillis() + LIFETIME.toMillis()));
    return token;
  }

  /** Whether the token was issued for this host and repository (null: any repository, as the ping needs) and is live. */
  boolean allows(String token, String host, String repository) {
    Grant grant = grants.get(token);
    return grant != null && grant.host().equals(host) && System.currentTimeMillis() < grant.expiresAtMillis()
        && (repository == null || grant.repositories().contains(repository));
  }
}
