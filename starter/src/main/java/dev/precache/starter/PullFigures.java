package dev.precache.starter;

import dev.precache.workflows.ImagePull;
import dev.precache.workflows.InstanceActivities.PullProgress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A running pull's figures as its activity last heartbeated them: {@code 5.1 of 16.1 GB, 142 MB/s, about 1m18s left},
 * or {@code 16.1 GB downloaded, unpacking} once every layer is down.
 */
final class PullFigures {
  private PullFigures() {}

  /** The figures of this pull among the running activities' heartbeats; empty while it has none. */
  static Optional<String> of(ImagePull pull, List<ActivityAttempt> activities) {
    return progressOf(pull, activities).map(PullFigures::text);
  }

  /** This running pull's heartbeated progress, if it has any yet. */
  static Optional<PullProgress> progressOf(ImagePull pull, List<ActivityAttempt> activities) {
    if (pull.state() != ImagePull.State.PULLING) {
      return Optional.empty();
    }
    return activities.stream().map(ActivityAttempt::pull)
        .filter(progress -> progress != null && progress.image().equals(pull.image())
            && progress.platform().equals(pull.platform()))
        .findFirst();
  }

  /** Whether there is more to say than bytes: a rate and time left, or that it is unpacking. */
  static boolean hasRateOrIsUnpacking(PullProgress progress) {
    return progress.bytesPerSecond() != null || progress.downloadedBytes() >= progress.totalBytes();
  }

  static String text(PullProgress progress) {
    return text(progress.downloadedBytes(), progress.totalBytes(), progress.bytesPerSecond());
  }

  static String text(long downloaded, long total, Long bytesPerSecond) {
    if (downloaded >= total) {
      return gigabytes(total) + " GB downloaded, unpacking";
    }
    StringBuilder text = new StringBuilder(gigabytes(downloaded) + " of " + gigabytes(total) + " GB");
    Long left = secondsLeft(downloaded, total, bytesPerSecond);
    if (left != null) {
      text.append(String.format(Locale.ROOT, ", %.0f MB/s, about %s left", bytesPerSecond / 1e6,
          ProgressPrinter.human(Duration.ofSeconds(left))));
    }
    return text.toString();
  }

  /** At the last rate, rounded up; null without a rate (or at a standstill). */
  static Long secondsLeft(long downloaded, long total, Long bytesPerSecond) {
    if (bytesPerSecond == null || bytesPerSecond <= 0) {
      return null;
    }
    return (Math.max(0, total - downloaded) + bytesPerSecond - 1) / bytesPerSecond;
  }

  private static String gigabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / 1e9);
  }
}
