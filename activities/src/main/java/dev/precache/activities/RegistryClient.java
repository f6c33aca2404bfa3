package dev.precache.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small client of the OCI Distribution API on {@code java.net.http}: manifest and blob GETs with the
 * registry's own auth, learnt from its {@code WWW-Authenticate} challenge — the Bearer token flow (anonymous or
 * with a login, as Docker Hub, quay.io and ghcr.io want) or Basic (as ECR wants, user {@code AWS}). Tokens are
 * kept in memory for the client's life and appear in no log, message or result.
 */
final class RegistryClient {

  static final String ACCEPT_MANIFESTS = String.join(", ",
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.docker.distribution.manifest.v2+json");

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final int MAX_REDIRECTS = 5;
  private static final Pattern CHALLENGE = Pattern.compile("^\\s*(\\w+)\\s*(.*)$");
  private static final Pattern PARAMETER = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(CONNECT_TIMEOUT)
      .followRedirects(HttpClient.Redirect.NEVER)
      .build();
  private final RegistryEndpoints endpoints;
  private final Function<String, Optional<RegistryLogin>> logins;
  /** Authorization header per registry host and repository, once earned. */
  private final Map<String, String> authorizations = new ConcurrentHashMap<>();

  /** @param logins the login for a registry host, if the worker has one */
  RegistryClient(RegistryEndpoints endpoints, Function<String, Optional<RegistryLogin>> logins) {
    this.endpoints = endpoints;
    this.logins = logins;
  }

  /** An answer of the registry: status, headers and body. */
  record Answer(int status, HttpHeaders headers, byte[] body) {
    boolean ok() {
      return status / 100 == 2;
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** A failure to reach the registry or earn a token. */
  static final class Unreachable extends IOException {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A registry's refusal to hand out a token, with its answer; {@code withLogin}: a login was sent. */
  static final class TokenRefused extends IOException {
    final Answer answer;
    final boolean withLogin;

    TokenRefused(Answer answer, boolean withLogin) {
      super("token endpoint answered HTTP " + answer.status());
      this.answer = answer;
      this.withLogin = withLogin;
    }
  }

  /** A registry that wants a login (Basic) the worker does not have for it. */
  static final class NoLogin extends IOException {
    final String host;

    NoLogin(String host) {
      super(host + " wants a login");
      this.host = host;
    }
  }

  /** {@code GET /v2/<repository>/manifests/<reference>} with every manifest type accepted. */
  Answer manifest(String host, String repository, String reference) throws IOException {
    return get(host, repository, "/v2/" + repository + "/manifests/" + reference, ACCEPT_MANIFESTS);
  }

  /** {@code GET /v2/<repository>/blobs/<digest>}, following a redirect to storage without the registry's auth. */
  Answer blob(String host, String repository, String digest) throws IOException {
    return get(host, repository, "/v2/" + repository + "/blobs/" + digest, "*/*");
  }

  /**
   * GET with the authorization earned for this repository; on a 401 challenge, earns one (a Bearer token, or
   * Basic with the login) and asks once more. A second 401 is the registry's answer.
   */
  private Answer get(String host, String repository, String path, String accept) throws IOException {
    String key = RegistryEndpoints.host(host) + "/" + repository;
    URI url = URI.create(endpoints.baseOf(host) + path);
    Answer answer = send(url, accept, authorizations.get(key));
    if (answer.status() != 401) {
      return answer;
    }
    Optional<String> authorization = authorize(host, repository, answer);
    if (authorization.isEmpty()) {
      return answer;
    }
    authorizations.put(key, authorization.get());
    return send(url, accept, authorization.get());
  }

  /** The Authorization header the challenge asks for, or empty when it cannot be met (no login for Basic). */
  private Optional<String> authorize(String host, String repository, Answer challenged) throws IOException {
    String header = challenged.headers().firstValue("WWW-Authenticate").orElse("");
    Matcher challenge = CHALLENGE.matcher(header);
    if (!challenge.matches()) {
      return Optional.empty();
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    Matcher parameter = PARAMETER.matcher(challenge.group(2));
    while (parameter.find()) {
      parameters.put(parameter.group(1).toLowerCase(Locale.ROOT), parameter.group(2));
    }
    Optional<RegistryLogin> login = logins.apply(RegistryEndpoints.host(host));
    String scheme = challenge.group(1).toLowerCase(Locale.ROOT);
    if (scheme.equals("basic")) {
      return Optional.of(login.orElseThrow(() -> new NoLogin(RegistryEndpoints.host(host))).basicAuthorization());
    }
    if (!scheme.equals("bearer") || !parameters.containsKey("realm")) {
      return Optional.empty();
    }
    return Optional.of("Bearer " + token(parameters, repository, login));
  }

  /** Docker's token flow: GET realm?service=…&scope=repository:<name>:pull, with the login if there is one. */
  private String token(Map<String, String> challenge, String repository, Optional<RegistryLogin> login)
      throws IOException {
    StringBuilder query = new StringBuilder();
    if (challenge.containsKey("service")) {
      query.append("service=").append(encode(challenge.get("service")));
    }
    String scope = challenge.getOrDefault("scope", "repository:" + repository + ":pull");
    query.append(query.isEmpty() ? "" : "&").append("scope=").append(encode(scope));
    String realm = challenge.get("realm");
    URI url = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
    Answer answer = send(url, "application/json", login.map(RegistryLogin::basicAuthorization).orElse(null));
    if (!answer.ok()) {
      throw new TokenRefused(answer, login.isPresent());
    }
    JsonNode body = JSON.readTree(answer.body());
    String token = body.hasNonNull("token") ? body.get("token").asText() : body.path("access_token").asText("");
    if (token.isEmpty()) {
      throw new Unreachable("token endpoint " + stripQuery(url) + " answered without a token", null);
    }
    return token;
  }

  private Answer send(URI url, String accept, String authorization) throws IOException {
    URI target = url;
    String auth = authorization;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(REQUEST_TIMEOUT).header("Accept", accept).GET();
      if (auth != null) {
        request.header("Authorization", auth);
      }
      HttpResponse<byte[]> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Unreachable("interrupted while asking " + stripQuery(target), e);
      } catch (IOException e) {
        throw new Unreachable("cannot reach " + stripQuery(target) + ": " + e, e);
      }
      Optional<String> location = response.headers().firstValue("Location");
      if (response.statusCode() / 100 == 3 && location.isPresent()) {
        URI next = target.resolve(location.get());
        if (!next.getAuthority().equals(target.getAuthority())) {
          auth = null; // storage behind a redirect gets a signed URL, never the registry's credentials
        }
        target = next;
        continue;
      }
      return new Answer(response.statusCode(), response.headers(), response.body());
    }
    throw new Unreachable("more than " + MAX_REDIRECTS + " redirects from " + stripQuery(url), null);
  }

  /** Signed URLs carry credentials in their query: never in a message. */
  private static String stripQuery(URI url) {
    return url.getScheme() + "://" + url.getAuthority() + url.getPath();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
