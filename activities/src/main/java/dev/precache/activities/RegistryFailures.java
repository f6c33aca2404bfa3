package dev.precache.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.workflows.BuildFailures;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one place where registry answers become Temporal failures. OCI error codes (distribution-spec
 * "Error Codes") decide: unknown manifest, name or blob → image not found; unauthorized or denied → unauthorized;
 * both permanent. {@code TOOMANYREQUESTS} and 429 are retried no sooner than {@code Retry-After} says; 5xx and
 * network trouble are retried with backoff. No message carries a token or a password: only the image, the
 * status and the registry's own error text.
 */
final class RegistryFailures {

  /** Type of retryable registry failures: throttled, unavailable, unreachable. */
  static final String TRANSIENT_REGISTRY = "TransientRegistryError";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> NOT_FOUND = Set.of("MANIFEST_UNKNOWN", "NAME_UNKNOWN", "BLOB_UNKNOWN");
  private static final Set<String> UNAUTHORIZED = Set.of("UNAUTHORIZED", "DENIED");
  private static final Duration DEFAULT_THROTTLE_DELAY = Duration.ofSeconds(10);
  private static final Duration MAX_THROTTLE_DELAY = Duration.ofMinutes(2);

  private RegistryFailures() {}

  /** A registry error code and message, as in an OCI error body. */
  record RegistryError(String code, String message) {}

  /** The failure for an HTTP answer that is not success, while doing {@code action} for {@code image}. */
  static ApplicationFailure classify(String image, String action, int status, HttpHeaders headers, String body) {
    List<RegistryError> errors = errors(body);
    Set<String> codes = errors.stream().map(RegistryError::code).collect(Collectors.toSet());
    String message = image + ": " + action + " failed: HTTP " + status + describe(errors);
    if (status == 429 || codes.contains("TOOMANYREQUESTS")) {
      return ApplicationFailure.newBuilder()
          .setMessage(message)
          .setType(TRANSIENT_REGISTRY)
          .setNextRetryDelay(retryAfter(headers))
          .build();
    }
    if (status >= 500) {
      return ApplicationFailure.newFailure(message, TRANSIENT_REGISTRY);
    }
    if (status == 401 || status == 403 || codes.stream().anyMatch(UNAUTHORIZED::contains)) {
      return ApplicationFailure.newNonRetryableFailure(message, BuildFailures.UNAUTHORIZED);
    }
    if (status == 404 || codes.stream().anyMatch(NOT_FOUND::contains)) {
      return ApplicationFailure.newNonRetryableFailure(message, BuildFailures.IMAGE_NOT_FOUND);
    }
    return ApplicationFailure.newNonRetryableFailure(message, BuildFailures.REGISTRY_FAILED);
  }

  /** The registry could not be reached or did not answer in time: worth retrying. */
  static ApplicationFailure unreachable(String image, String action, IOException e) {
    return ApplicationFailure.newFailureWithCause(image + ": " + action + " failed: " + e, TRANSIENT_REGISTRY, e);
  }

  /** The registry answered, but with something that is not a usable manifest. */
  static ApplicationFailure malformed(String image, String problem) {
    return ApplicationFailure.newNonRetryableFailure(image + ": " + problem, BuildFailures.REGISTRY_FAILED);
  }

  /** The index has no manifest for the platform. */
  static ApplicationFailure platformMissing(String image, String platform, List<String> available) {
    return ApplicationFailure.newNonRetryableFailure(image + " has no " + platform + " image (the index has: "
        + (available.isEmpty() ? "none" : String.join(", ", available)) + ")", BuildFailures.PLATFORM_NOT_FOUND);
  }

  /** A registry that wants credentials the worker does not have for it. */
  static ApplicationFailure noCredentials(String image, String host) {
    return ApplicationFailure.newNonRetryableFailure(image + ": " + host + " requires credentials and the worker "
        + "has none for it (give the worker a docker config with a login for " + host + ")",
        BuildFailures.UNAUTHORIZED);
  }

  static List<RegistryError> errors(String body) {
    List<RegistryError> errors = new ArrayList<>();
    if (body == null || body.isBlank()) {
      return errors;
    }
    try {
      for (JsonNode error : JSON.readTree(body).path("errors")) {
        errors.add(new RegistryError(error.path("code").asText(""), error.path("message").asText("")));
      }
    } catch (IOException notJson) {
      // a proxy's HTML page, say: the status alone decides
    }
    return errors;
  }

  private static String describe(List<RegistryError> errors) {
    if (errors.isEmpty()) {
      return "";
    }
    StringBuilder text = new StringBuilder();
    for (RegistryError error : errors) {
      text.append(text.isEmpty() ? " " : "; ").append(error.code());
      if (!error.message().isBlank()) {
        text.append(" (").append(error.message()).append(')');
      }
    }
    return text.toString();
  }

  /** {@code Retry-After} in seconds (an HTTP date is rare from registries and taken as the default). */
  static Duration retryAfter(HttpHeaders headers) {
    Optional<String> value = headers.firstValue("Retry-After");
    try {
      Duration delay = value.map(v -> Duration.ofSeconds(Long.parseLong(v.strip()))).orElse(DEFAULT_THROTTLE_DELAY);
      return delay.compareTo(MAX_THROTTLE_DELAY) > 0 ? MAX_THROTTLE_DELAY : delay;
    } catch (NumberFormatException e) {
      return DEFAULT_THROTTLE_DELAY;
    }
  }
}
