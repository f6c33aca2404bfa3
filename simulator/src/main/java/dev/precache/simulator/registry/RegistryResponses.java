package dev.precache.simulator.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.precache.simulator.fault.Faults;
import dev.precache.simulator.fault.FaultConfig;
import dev.precache.simulator.instance.OciDocument;
import dev.precache.simulator.instance.RegistryCatalog;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OCI Distribution API of one registry host, wire format only: routes, auth challenges, headers and error
 * bodies; what exists comes from the {@link RegistryCatalog}. Public registries answer an unauthenticated
 * request with a Bearer challenge naming this server's token endpoint; ECR with a Basic challenge, accepting
 * user AWS and a password the simulated GetAuthorizationToken issued.
 */
final class RegistryResponses {
  /** A reply: status, headers, body, and the Content-Length a HEAD reply announces without a body. */
  record Response(int status, Map<String, String> headers, byte[] body, long contentLength) {
    Response(int status, Map<String, String> headers, byte[] body) {
      this(status, headers, body, body.length);
    }

    static Response headOnly(Map<String, String> headers, long contentLength) {
      return new Response(200, headers, new byte[0], contentLength);
    }
  }

  private static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
  private static final Pattern BLOB = Pattern.compile("/v2/(.+)/blobs/([^/]+)");
  private static final Pattern TAGS = Pattern.compile("/v2/(.+)/tags/list");
  private static final int DEFAULT_RETRY_AFTER_SECONDS = 60;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String host;
  private final RegistryCatalog catalog;
  private final Faults faults;
  private final RegistryTokens tokens;
  private final String baseUrl;

  RegistryResponses(String host, RegistryCatalog catalog, Faults faults, RegistryTokens tokens, String baseUrl) {
    this.host = host;
    this.catalog = catalog;
    this.faults = faults;
    this.tokens = tokens;
    this.baseUrl = baseUrl;
  }

  Response handle(String method, String path, String query, Map<String, List<String>> headers) {
    boolean head = method.equals("HEAD");
    if (!head && !method.equals("GET")) {
      return error(405, "UNSUPPORTED", "The operation is unsupported.", Map.of());
    }
    if (path.equals("/token")) {
      return token(query, header(headers, "Authorization"));
    }
    String authorization = header(headers, "Authorization");
    if (path.equals("/v2/") || path.equals("/v2")) {
      return authorized(authorization, null) ? json(200, "{}", Map.of()) : challenge(null);
    }
    Matcher manifest = MANIFEST.matcher(path);
    Matcher blob = BLOB.matcher(path);
    Matcher tags = TAGS.matcher(path);
    String repository = manifest.matches() ? manifest.group(1) : blob.matches() ? blob.group(1)
        : tags.matches() ? tags.group(1) : null;
    if (repository == null) {
      return error(404, "NOT_FOUND", "no route for " + path, Map.of());
    }
    if (!authorized(authorization, repository)) {
      return challenge(repository);
    }
    Optional<FaultConfig.RegistryError> injected = faults.registryError(host);
    if (injected.isPresent()) {
      return injected(injected.get());
    }
    if (!catalog.repositoryExists(host, repository)) {
      return error(404, "NAME_UNKNOWN", "repository name not known to registry", Map.of("name", repository));
    }
    if (manifest.matches()) {
      return manifest(repository, manifest.group(2), header(headers, "Accept"), head);
    }
    if (blob.matches()) {
      return blob(repository, blob.group(2), head);
    }
    ObjectNode list = JSON.createObjectNode().put("name", repository);
    ArrayNode names = list.putArray("tags");
    catalog.tags(host, repository).forEach(names::add);
    return json(200, list.toString(), Map.of());
  }

  private Response manifest(String repository, String reference, String accept, boolean head) {
    Optional<OciDocument> found = catalog.manifest(host, repository, reference);
    if (found.isEmpty()) {
      return error(404, "MANIFEST_UNKNOWN", "manifest unknown",
          Map.of(reference.startsWith("sha256:") ? "Digest" : "Tag", reference));
    }
    OciDocument document = found.get();
    if (!accepts(accept, document.mediaType())) {
      String kind = document.mediaType().equals(OciDocument.INDEX) ? "OCI index" : "OCI manifest";
      return error(404, "MANIFEST_UNKNOWN", kind + " found, but Accept header does not support it",
          Map.of("mediaType", document.mediaType()));
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", document.mediaType());
    headers.put("Docker-Content-Digest", document.digest());
    headers.put("Etag", "\"" + document.digest() + "\"");
    return head ? Response.headOnly(headers, document.size()) : new Response(200, headers, document.content());
  }

  private Response blob(String repository, String digest, boolean head) {
    Optional<RegistryCatalog.Blob> found = catalog.blob(host, repository, digest);
    if (found.isEmpty()) {
      return error(404, "BLOB_UNKNOWN", "blob unknown to registry", Map.of("digest", digest));
    }
    RegistryCatalog.Blob blob = found.get();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/octet-stream");
    headers.put("Docker-Content-Digest", blob.digest());
    if (head) {
      return Response.headOnly(headers, blob.size());
    }
    if (blob.content().isEmpty()) {
      // Layers exist as sizes only; a client that downloads layers is not what this registry serves.
      return error(501, "UNSUPPORTED", "the simulated registry serves layer sizes (HEAD), not layer bytes",
          Map.of("digest", digest));
    }
    return new Response(200, headers, blob.content().get());
  }

  /** GET /token?service=HOST&scope=repository:NAME:pull: anonymous for public registries, Basic where declared. */
  private Response token(String query, String authorization) {
    Map<String, List<String>> params = params(query);
    if (catalog.isEcr(host)) {
      return error(404, "NOT_FOUND", "ECR has no token endpoint: use Basic auth", Map.of());
    }
    if (catalog.requiresCredentials(host) && !basicAuthorized(authorization)) {
      return error(401, "UNAUTHORIZED", "authentication required", Map.of());
    }
    Set<String> repositories = new LinkedHashSet<>();
    params.getOrDefault("scope", List.of()).forEach(scope -> {
      String[] parts = scope.split(":");
      if (parts.length == 3 && parts[0].equals("repository")) {
        repositories.add(parts[1]);
      }
    });
    String token = tokens.issue(host, repositories);
    ObjectNode body = JSON.createObjectNode().put("token", token).put("access_token", token)
        .put("expires_in", RegistryTokens.LIFETIME.toSeconds())
        .put("issued_at", java.time.Instant.now().toString());
    return json(200, body.toString(), Map.of());
  }

  private boolean authorized(String authorization, String repository) {
    if (authorization == null) {
      return false;
    }
    if (catalog.isEcr(host)) {
      return basicAuthorized(authorization);
    }
    return authorization.startsWith("Bearer ") && tokens.allows(authorization.substring(7).trim(), host, repository);
  }

  private boolean basicAuthorized(String authorization) {
    if (authorization == null || !authorization.startsWith("Basic ")) {
      return false;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = decoded.indexOf(':');
    return colon > 0 && catalog.authorize(host, decoded.substring(0, colon), decoded.substring(colon + 1));
  }

  private Response challenge(String repository) {
    String challenge = catalog.isEcr(host)
        ? "Basic realm=\"" + baseUrl + "/\",service=\"ecr.amazonaws.com\""
        : "Bearer realm=\"" + baseUrl + "/token\",service=\"" + host + "\""
            + (repository == null ? "" : ",scope=\"repository:" + repository + ":pull\"");
    return error(401, "UNAUTHORIZED", "authentication required",
        repository == null ? Map.of() : Map.of("Type", "repository", "Name", repository, "Action", "pull"),
        Map.of("WWW-Authenticate", challenge));
  }

  private Response injected(FaultConfig.RegistryError rule) {
    int status = switch (rule.code()) {
      case "TOOMANYREQUESTS" -> 429;
      case "UNAUTHORIZED" -> 401;
      case "DENIED" -> 403;
      case "NAME_UNKNOWN", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN" -> 404;
      default -> 503;
    };
    Map<String, String> headers = status == 429
        ? Map.of("Retry-After", String.valueOf(rule.retryAfterSeconds() == null ? DEFAULT_RETRY_AFTER_SECONDS
            : rule.retryAfterSeconds()))
        : Map.of();
    String message = status == 429 ? "You have reached your pull rate limit." : "injected fault: " + rule.code();
    return error(status, rule.code(), message, Map.of(), headers);
  }

  private static boolean accepts(String accept, String mediaType) {
    if (accept == null || accept.isBlank()) {
      return true;
    }
    for (String range : accept.split(",")) {
      String type = range.split(";")[0].trim();
      if (type.equals(mediaType) || type.equals("*/*")) {
        return true;
      }
    }
    return false;
  }

  private static Response error(int status, String code, String message, Map<String, String> detail) {
    return error(status, code, message, detail, Map.of());
  }

  private static Response error(int status, String code, String message, Map<String, String> detail,
      Map<String, String> extraHeaders) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error = body.putArray("errors").addObject().put("code", code).put("message", message);
    error.set("detail", JSON.valueToTree(detail));
    return json(status, body.toString(), extraHeaders);
  }

  private static Response json(int status, String body, Map<String, String> extraHeaders) {
    Map<String, String> headers = new LinkedHashMap<>(extraHeaders);
    headers.put("Content-Type", "application/json");
    headers.put("Docker-Distribution-API-Version", "registry/2.0");
    return new Response(status, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  private static String header(Map<String, List<String>> headers, String name) {
    return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
        .flatMap(e -> e.getValue().stream()).reduce((a, b) -> a + "," + b).orElse(null);
  }

  private static Map<String, List<String>> params(String query) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    if (query == null) {
      return params;
    }
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
      String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
      params.computeIfAbsent(key, ignored -> new java.util.ArrayList<>()).add(value);
    }
    return params;
  }
}
