package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.ImagePull;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The live line under the log: pulls under way, the snapshot's heartbeated percent as a bar, a retry. */
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

    // The workflow last recorded 10 %; the snapshot wait has since heartbeated 40 %.
    view.show(at(BuildStep.SNAPSHOT, List.of(), 10), List.of(
        new ActivityAttempt("AwaitSnapshotCompleted", 1, 0, null, 40),
        new ActivityAttempt("PullImage", 3, 8, "429", null)));
    assertThat(text.toString()).contains("\r\033[K")
        .contains("snap-1 " + "█".repeat(12) + "░".repeat(18) + " 40%  (retrying: attempt 3 of 8)")
        .doesNotContain("snap-1 10%");
  }
}
