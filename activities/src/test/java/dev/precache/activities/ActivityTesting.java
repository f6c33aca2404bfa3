package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildIdentity;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;

/** What the activity tests share: stub options without retries, a build identity, failure unwrapping. */
final class ActivityTesting {

  static final Duration FAST_POLL = Duration.ofMillis(1);
  static final String REGION = "us-west-2";
  static final BuildIdentity IDENTITY = BuildIdentity.of("precache-gpu-0123456789abcdef", "run-1", "gpu");

  static final ActivityOptions OPTIONS = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(1))
      .setHeartbeatTimeout(Duration.ofSeconds(20))
      .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
      .build();

  private ActivityTesting() {}

  /** The application failure an activity stub call ended with. */
  static ApplicationFailure applicationFailure(Throwable thrown) {
    assertThat(thrown).isInstanceOf(ActivityFailure.class);
    assertThat(thrown.getCause()).isInstanceOf(ApplicationFailure.class);
    return (ApplicationFailure) thrown.getCause();
  }
}
