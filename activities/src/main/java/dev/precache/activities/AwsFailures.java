package dev.precache.activities;

import dev.precache.workflows.BuildFailures;
import io.temporal.failure.ApplicationFailure;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The one place where AWS errors and failed commands become Temporal failures. Permanent ones become
 * non-retryable failures typed with {@link BuildFailures}; everything else stays retryable, so Temporal's
 * retry policy (with backoff, bounded by the activity's schedule-to-close timeout) deals with it. Unknown
 * errors count as transient: retrying a permanent error costs a little time, giving up on a transient one
 * costs the build.
 */
final class AwsFailures {

  /** Type of retryable failures caused by AWS (throttling, 5xx, timeouts, connection errors, unknown). */
  static final String TRANSIENT_AWS = "TransientAwsError";
  /** Type of retryable failures of a command (timed out, cancelled, undeliverable, network trouble). */
  static final String TRANSIENT_COMMAND = "TransientCommandError";

  /** How much command output a failure message carries: the end, where the error is. */
  static final int OUTPUT_LIMIT = 4096;
  /**
   * The same for a failure that is retried: Temporal keeps 4 KiB of a retried activity's last failure, stack
   * trace included, and that is where the CLI and the Web UI read why a step is retrying.
   */
  static final int RETRIED_OUTPUT_LIMIT = 1500;

  private static final Set<String> ACCESS_DENIED_CODES = Set.of(
      "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure", "InvalidClientTokenId",
      "UnrecognizedClientException", "SignatureDoesNotMatch", "OptInRequired");

  private static final Set<String> INVALID_REQUEST_CODES = Set.of(
      "ValidationError", "ValidationException", "InvalidParameter", "InvalidParameterValue",
      "InvalidParameterCombination", "InvalidParameterException", "InvalidParameters", "MissingParameter",
      "InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidSubnetID.NotFound", "InvalidGroup.NotFound",
      "InvalidKeyPair.NotFound", "UnsupportedOperation", "Unsupported");

  private static final Pattern UNAUTHORIZED = Pattern.compile(
      "unauthorized|\\b401\\b|403 forbidden|authorization failed|is not authorized to perform|no EC2 IMDS role found",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern NETWORK_TROUBLE = Pattern.compile(
      "i/o timeout|connection reset|connection refused|tls handshake timeout|unexpected eof"
          + "|context deadline exceeded|\\b429\\b|toomanyrequests|503 service unavailable",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern NOT_FOUND = Pattern.compile(
      "not found|failed to resolve reference", Pattern.CASE_INSENSITIVE);

  private AwsFailures() {}

  /**
   * The failure to throw for an SDK exception raised while doing {@code action}. It carries the error's code and
   * message, not the SDK exception itself: with the SDK's retries as suppressed exceptions and their stack traces
   * it outgrows the 4 KiB that Temporal keeps of a retried activity's last failure
   * ({@code limit.mutableStateActivityFailureSize.error}), which then reads only "Failure exceeds size limit.".
   */
  static ApplicationFailure classify(String action, SdkException e) {
    String message = action + " failed: " + summary(e);
    if (e instanceof AwsServiceException service && service.statusCode() < 500) {
      String code = errorCode(service);
      if (ACCESS_DENIED_CODES.contains(code)) {
        return compact(ApplicationFailure.newNonRetryableFailure(message, BuildFailures.ACCESS_DENIED));
      }
      if (INVALID_REQUEST_CODES.contains(code)) {
        return compact(ApplicationFailure.newNonRetryableFailure(message, BuildFailures.INVALID_REQUEST));
      }
    }
    if (unparseable(e)) {
      return compact(ApplicationFailure.newNonRetryableFailure(
          action + " failed: the response could not be parsed (" + e.getMessage() + ")",
          BuildFailures.UNREADABLE_RESPONSE));
    }
    return compact(ApplicationFailure.newFailure(message, TRANSIENT_AWS));
  }

  /**
   * The SDK read a whole response and could not unmarshall it: asking again gets the same bytes, so retrying
   * would go on until the activity's deadline. (A connection cut mid-body is an I/O error, still retried.)
   */
  private static boolean unparseable(SdkException e) {
    return e instanceof SdkClientException && e.getMessage() != null
        && e.getMessage().startsWith("Unable to unmarshall response");
  }

  /** {@code Throttling: Rate exceeded (Service: …, Status Code: 400, Request ID: …)}, or the SDK's message. */
  static String summary(SdkException e) {
    if (e instanceof AwsServiceException service && !errorCode(service).isEmpty()) {
      return errorCode(service) + ": " + service.getMessage();
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  /** Keeps only precache's own frames of the failure's stack trace: where it was raised, without the SDK's. */
  static ApplicationFailure compact(ApplicationFailure failure) {
    failure.setStackTrace(Arrays.stream(failure.getStackTrace())
        .filter(frame -> frame.getClassName().startsWith("dev.precache."))
        .toArray(StackTraceElement[]::new));
    return failure;
  }

  /** The AWS error code, e.g. {@code Throttling}, or empty when the service sent none. */
  static String errorCode(AwsServiceException e) {
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    return code == null ? "" : code;
  }

  /**
   * The failure of a command that ran and exited non-zero, classified by its output; the message always
   * carries that output.
   */
  static ApplicationFailure commandFailed(String step, int exitCode, String output) {
    String type = commandFailureType(exitCode, output);
    String failed = step + " failed with exit code " + exitCode + ":\n";
    return type == null
        ? compact(ApplicationFailure.newFailure(failed + trimmed(output, RETRIED_OUTPUT_LIMIT), TRANSIENT_COMMAND))
        : compact(ApplicationFailure.newNonRetryableFailure(failed + trimmed(output, OUTPUT_LIMIT), type));
  }

  /** A {@link BuildFailures} type, or null for trouble worth retrying. */
  private static String commandFailureType(int exitCode, String output) {
    // 126/127: the shell could not run the command at all, so the output says nothing about images.
    if (exitCode == 126 || exitCode == 127) {
      return BuildFailures.COMMAND_FAILED;
    }
    if (output.toLowerCase(Locale.ROOT).contains("no space left on device")) {
      return BuildFailures.NO_SPACE_LEFT;
    }
    if (UNAUTHORIZED.matcher(output).find()) {
      return BuildFailures.UNAUTHORIZED;
    }
    // containerd reports a registry it cannot reach as "failed to resolve reference" too, so network
    // trouble is recognised before "not found".
    if (NETWORK_TROUBLE.matcher(output).find()) {
      return null;
    }
    if (NOT_FOUND.matcher(output).find()) {
      return BuildFailures.IMAGE_NOT_FOUND;
    }
    return BuildFailures.COMMAND_FAILED;
  }

  /** The last {@code limit} characters of a command's output. */
  static String trimmed(String output, int limit) {
    String text = output.strip();
    return text.length() <= limit ? text : "…" + text.substring(text.length() - limit);
  }
}
