package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildFailures;
import io.temporal.common.converter.GlobalDataConverter;
import io.temporal.failure.ApplicationFailure;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

class AwsFailuresTest {

  @Test
  void throttlingIsTransient() {
    for (String code : new String[] {"Throttling", "ThrottlingException", "RequestLimitExceeded"}) {
      ApplicationFailure failure = AwsFailures.classify("describe", serviceError(400, code));
      assertThat(failure.isNonRetryable()).as(code).isFalse();
      assertThat(failure.getType()).isEqualTo(AwsFailures.TRANSIENT_AWS);
    }
  }

  @Test
  void serverErrorsTimeoutsAndConnectionErrorsAreTransient() {
    assertThat(AwsFailures.classify("x", serviceError(500, "InternalError")).isNonRetryable()).isFalse();
    assertThat(AwsFailures.classify("x", serviceError(503, "ServiceUnavailable")).isNonRetryable()).isFalse();
    // Even a code that is permanent on a 4xx is retried when the service answers 5xx.
    assertThat(AwsFailures.classify("x", serviceError(503, "ValidationError")).isNonRetryable()).isFalse();
    assertThat(AwsFailures.classify("x", SdkClientException.create("Connection refused")).isNonRetryable()).isFalse();
    assertThat(AwsFailures.classify("x", ApiCallTimeoutException.create(120_000)).isNonRetryable()).isFalse();
  }

  @Test
  void accessDeniedIsPermanent() {
    for (String code : new String[] {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure"}) {
      ApplicationFailure failure = AwsFailures.classify("create stack", serviceError(403, code));
      assertThat(failure.isNonRetryable()).as(code).isTrue();
      assertThat(failure.getType()).isEqualTo(BuildFailures.ACCESS_DENIED);
      assertThat(failure.getOriginalMessage()).startsWith("create stack failed: " + code);
    }
  }

  @Test
  void invalidParametersArePermanent() {
    ApplicationFailure failure = AwsFailures.classify("run", serviceError(400, "InvalidParameterValue"));

    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getType()).isEqualTo(BuildFailures.INVALID_REQUEST);
  }

  /** What Temporal keeps of a retried activity's last failure: limit.mutableStateActivityFailureSize.error. */
  private static final int KEPT_FAILURE_BYTES = 4 * 1024;

  @Test
  void aRetriedAwsFailureFitsWhatTemporalKeepsOfItAndStillSaysWhy() {
    AwsServiceException throttled = serviceError(400, "Throttling");
    for (int retry = 0; retry < 10; retry++) {
      throttled.addSuppressed(serviceError(400, "Throttling"));
    }

    ApplicationFailure failure = AwsFailures.classify("describe stack precache-gpu-0123", throttled);

    assertThat(encodedSize(failure)).isLessThan(KEPT_FAILURE_BYTES);
    assertThat(failure.getOriginalMessage()).startsWith("describe stack precache-gpu-0123 failed: Throttling");
  }

  @Test
  void aRetriedCommandFailureFitsWhatTemporalKeepsOfItWithTheEndOfItsOutput() {
    String output = "x".repeat(20_000) + "\nctr: failed to copy: httpReadSeeker: failed open: unexpected EOF";

    ApplicationFailure failure = AwsFailures.commandFailed("pull nginx for linux/amd64", 1, output);

    assertThat(failure.isNonRetryable()).isFalse();
    assertThat(encodedSize(failure)).isLessThan(KEPT_FAILURE_BYTES);
    assertThat(failure.getOriginalMessage()).endsWith("unexpected EOF");
  }

  private static int encodedSize(ApplicationFailure failure) {
    return GlobalDataConverter.get().exceptionToFailure(failure).getSerializedSize();
  }

  @Test
  void unknownClientErrorsAreRetried() {
    assertThat(AwsFailures.classify("x", serviceError(400, "InvalidInstanceId")).isNonRetryable()).isFalse();
  }

  @Test
  void commandOutputIsClassified() {
    assertThat(commandFailureType(1, "ctr: failed to resolve reference \"x\": x: not found"))
        .isEqualTo(BuildFailures.IMAGE_NOT_FOUND);
    assertThat(commandFailureType(1, "unexpected status from HEAD request: 403 Forbidden"))
        .isEqualTo(BuildFailures.UNAUTHORIZED);
    assertThat(commandFailureType(1, "pull access denied: authorization failed")).isEqualTo(BuildFailures.UNAUTHORIZED);
    assertThat(commandFailureType(1, "failed with status code [manifests 3]: 401 Unauthorized"))
        .isEqualTo(BuildFailures.UNAUTHORIZED);
    assertThat(commandFailureType(1, "write /var/lib: no space left on device")).isEqualTo(BuildFailures.NO_SPACE_LEFT);
    assertThat(commandFailureType(2, "something else")).isEqualTo(BuildFailures.COMMAND_FAILED);
    assertThat(commandFailureType(127, "sheltie: not found")).isEqualTo(BuildFailures.COMMAND_FAILED);
    ApplicationFailure network = AwsFailures.commandFailed("pull", 1,
        "failed to resolve reference \"x\": dial tcp 1.2.3.4:443: i/o timeout");
    assertThat(network.isNonRetryable()).isFalse();
  }

  @Test
  void theMessageCarriesTheEndOfLongOutput() {
    String output = "x".repeat(10_000) + "\nthe actual error";

    ApplicationFailure failure = AwsFailures.commandFailed("pull", 1, output);

    assertThat(failure.getOriginalMessage()).endsWith("the actual error").hasSizeLessThan(AwsFailures.OUTPUT_LIMIT + 100);
  }

  private static String commandFailureType(int exitCode, String output) {
    ApplicationFailure failure = AwsFailures.commandFailed("step", exitCode, output);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains(output);
    return failure.getType();
  }

  private static AwsServiceException serviceError(int status, String code) {
    return AwsServiceException.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("because").build())
        .build();
  }
}
