package dev.precache.starter;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * A registry that answers 429 to the first attempts of each pull, for {@link FakeSnapshotBuildWorkflow}'s
 * {@code flaky} build: what the CLI shows while a step retries.
 */
@ActivityInterface
public interface FlakyRegistry {
  int FAILING_ATTEMPTS = 2;

  @ActivityMethod(name = "PullImage")
  void pull(String image);

  final class Impl implements FlakyRegistry {
    @Override
    public void pull(String image) {
      int attempt = Activity.getExecutionContext().getInfo().getAttempt();
      if (attempt <= FAILING_ATTEMPTS) {
        throw new IllegalStateException("pull " + image + ": 429 Too Many Requests (attempt " + attempt + ")");
      }
    }
  }
}
