package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.ImagePull;
import dev.precache.workflows.InstanceActivities.PullProgress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The live line under the log: pulls under way with their heartbeated bytes, the snapshot's heartbeated percent as a
 * bar, a retry; the plain lines and the status report of the same.
 */
class TerminalProgressTest {
  private final StringWriter text = new StringWriter();
  private final PrintWriter out = new PrintWriter(text);
  private final TerminalProgress view = new TerminalProgress(out, new ProgressPrinter(out, true, false), true);

  private static BuildProgress at(BuildStep step, List<ImagePull> pulls, Integer percent) {
    return new BuildProgress(step, pulls, percent, "stack", "i-1", percent == null ? null : "snap-1", null, false, null, null, null);
  }

  @Test
  void pullsUnderWayAndTheSnapshotBarAreRedrawnInPlace() {
    view.show(at(BuildStep.PULL_IMAGES, List.of(
        new ImagePull("nginx:1", "linux/amd64", ImagePull.State.DONE, "sha256:a", null),
        new ImagePull("llama:1", "linux/amd64", ImagePull.State.PULLING, null, null),
        new ImagePull("qwen:1", "linux/amd64", ImagePull.State.PULLING, null, null)), null), List.of());
    assertThat(text.toString()).contains("  ✓ nginx:1 (linux/amd64) sha256:a\n",
        "[5/9] Pulling images 0s  1/3 done; pulling llama:1 (linux/amd64) 0s, +1 more");

    // llama's pull heartbeated 5.1 of 16.1 GB at 142 MB/s, so 11 GB are left: 78 s; qwen's is only unpacking.
    view.show(at(BuildStep.PULL_IMAGES, List.of(
        new ImagePull("nginx:1", "linux/amd64", ImagePull.State.DONE, "sha256:a", null),
        new ImagePull("llama:1", "linux/amd64", ImagePull.State.PULLING, null, null),
        new ImagePull("qwen:1", "linux/amd64", ImagePull.State.PULLING, null, null)), null), List.of(
        pulling("llama:1", 5_100_000_000L, 16_100_000_000L, 142_000_000L),
        pulling("qwen:1", 15_000_000_000L, 15_000_000_000L, 0L)));
    assertThat(text.toString())
        .contains("pulling llama:1 (linux/amd64) 0s: 5.1 of 16.1 GB, 142 MB/s, about 1m18s left, +1 more")
        .doesNotContain("  ... llama:1");

    // The workflow last recorded 10 %; the snapshot wait has since heartbeated 40 %.
    view.show(at(BuildStep.SNAPSHOT, List.of(), 10), List.of(
        new ActivityAttempt("AwaitSnapshotCompleted", 1, 0, null, 40, null),
        new ActivityAttempt("PullImage", 3, 8, "429", null, null)));
    assertThat(text.toString()).contains("\r\033[K")
        .contains("snap-1 " + "█".repeat(12) + "░".repeat(18) + " 40%  (retrying: attempt 3 of 8)")
        .doesNotContain("snap-1 10%");
  }

  @Test
  void plainLinesGiveEachRunningPullsFiguresOnceItHasARateAndAtMostEvery30Seconds() {
    StringWriter plain = new StringWriter();
    ProgressPrinter log = new ProgressPrinter(new PrintWriter(plain), true);
    BuildProgress pulls = at(BuildStep.PULL_IMAGES, List.of(
        new ImagePull("llama:1", "linux/amd64", ImagePull.State.PULLING, null, null),
        new ImagePull("qwen:1", "linux/amd64", ImagePull.State.PULLING, null, null),
        new ImagePull("gpt:1", "linux/amd64", ImagePull.State.PULLING, null, null)), null);
    List<ActivityAttempt> heartbeated = List.of(
        pulling("llama:1", 5_100_000_000L, 16_100_000_000L, 142_000_000L),
        pulling("qwen:1", 15_000_000_000L, 15_000_000_000L, 0L),
        new ActivityAttempt("PullImage", 1, 8, null, null,
            new PullProgress("command-gpt", "gpt:1", "linux/amd64", 1_000_000_000L, 9_000_000_000L, null)));
    log.show(pulls, heartbeated);
    log.show(pulls, heartbeated);
    assertThat(plain.toString())
        .containsOnlyOnce("  ... llama:1 (linux/amd64): 5.1 of 16.1 GB, 142 MB/s, about 1m18s left\n")
        .containsOnlyOnce("  ... qwen:1 (linux/amd64): 15.0 GB downloaded, unpacking\n")
        .doesNotContain("gpt:1");
  }

  @Test
  void statusJsonListsEachRunningPullsDownloadWithTheSecondsLeft() {
    BuildReport report = BuildReport.of("precache-x", BuildState.RUNNING, at(BuildStep.PULL_IMAGES, List.of(
        new ImagePull("llama:1", "linux/amd64", ImagePull.State.PULLING, null, null)), null), null, null)
        .withActivities(List.of(pulling("llama:1", 5_100_000_000L, 16_100_000_000L, 142_000_000L),
            new ActivityAttempt("PullImage", 3, 8, "429", null, null)));

    assertThat(report.downloads()).containsExactly(
        new BuildReport.Download("llama:1", "linux/amd64", 5_100_000_000L, 16_100_000_000L, 142_000_000L, 78L));
    assertThat(report.retries()).extracting(BuildReport.Retry::lastError).containsExactly("429");
  }

  private static ActivityAttempt pulling(String image, long downloaded, long total, long rate) {
    return new ActivityAttempt("PullImage", 1, 8, null, null,
        new PullProgress("command-" + image, image, "linux/amd64", downloaded, total, rate));
  }
}
