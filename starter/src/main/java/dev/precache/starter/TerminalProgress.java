package dev.precache.starter;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.ImagePull;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The progress display on a terminal: the same log lines as {@link ProgressPrinter}, under which one live line,
 * redrawn at every poll, says what is happening now: the step and how long it has run, the pulls under way and
 * for how long and, once probed, the first one's bytes, rate and time left, the snapshot's percent as a bar.
 */
final class TerminalProgress implements ProgressView {
  private static final String CLEAR_LINE = "\r\033[K";
  private static final int BAR_WIDTH = 30;
  private static final String[] SPINNER = {"|", "/", "-", "\\"};

  private final PrintWriter out;
  private final ProgressPrinter log;
  private final boolean unicode;
  private final Map<String, Instant> pullsStarted = new HashMap<>();
  private BuildStep step;
  private Instant stepStarted;
  private int frame;
  private boolean liveLineShown;

  TerminalProgress(PrintWriter out, ProgressPrinter log, boolean unicode) {
    this.out = out;
    this.log = log;
    this.unicode = unicode;
  }

  @Override
  public void show(BuildProgress progress, List<ActivityAttempt> activities) {
    clearLiveLine();
    log.show(progress, activities);
    if (progress == null || progress.step() == null) {
      draw("waiting for the build to start");
      return;
    }
    if (progress.step() != step) {
      step = progress.step();
      stepStarted = Instant.now();
    }
    StringBuilder line = new StringBuilder(BuildWatcher.stepLabel(step)).append(" ")
        .append(ProgressPrinter.human(Duration.between(stepStarted, Instant.now())));
    if (step == BuildStep.PULL_IMAGES && progress.pulls() != null) {
      line.append(pulls(progress.pulls(), activities));
    }
    if (step == BuildStep.SNAPSHOT && progress.snapshotId() != null) {
      int percent = ProgressPrinter.snapshotPercent(progress, activities);
      line.append("  ").append(progress.snapshotId()).append(" ").append(bar(percent)).append(" ").append(percent).append("%");
    }
    activities.stream().filter(ActivityAttempt::retrying).findFirst()
        .ifPresent(retry -> line.append("  (retrying: ").append(retry.attemptText()).append(")"));
    draw(line.toString());
  }

  @Override
  public void finished(BuildResult result, Duration elapsed) {
    clearLiveLine();
    log.finished(result, elapsed);
  }

  /** {@code  2/4 done; pulling llama (linux/amd64) 1m03s: 5.1 of 16.1 GB, 142 MB/s, about 1m18s left, +1 more}. */
  private String pulls(List<ImagePull> pulls, List<ActivityAttempt> activities) {
    long done = pulls.stream().filter(pull -> pull.state() == ImagePull.State.DONE).count();
    List<ImagePull> pulling = pulls.stream().filter(pull -> pull.state() == ImagePull.State.PULLING).toList();
    Instant now = Instant.now();
    pulling.forEach(pull -> pullsStarted.putIfAbsent(pull.image() + " " + pull.platform(), now));
    StringBuilder text = new StringBuilder("  " + done + "/" + pulls.size() + " done");
    if (!pulling.isEmpty()) {
      ImagePull first = pulling.get(0);
      text.append("; pulling ").append(first.image()).append(" (").append(first.platform()).append(") ")
          .append(ProgressPrinter.human(Duration.between(pullsStarted.get(first.image() + " " + first.platform()), now)));
      PullFigures.of(first, activities).ifPresent(figures -> text.append(": ").append(figures));
      if (pulling.size() > 1) {
        text.append(", +").append(pulling.size() - 1).append(" more");
      }
    }
    return text.toString();
  }

  private String bar(int percent) {
    int filled = Math.min(BAR_WIDTH, percent * BAR_WIDTH / 100);
    return unicode ? "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled)
        : "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "]";
  }

  private void draw(String text) {
    frame = (frame + 1) % SPINNER.length;
    out.print(CLEAR_LINE + SPINNER[frame] + " " + text);
    out.flush();
    liveLineShown = true;
  }

  private void clearLiveLine() {
    if (liveLineShown) {
      out.print(CLEAR_LINE);
      liveLineShown = false;
    }
  }
}
