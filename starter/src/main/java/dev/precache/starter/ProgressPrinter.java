package dev.precache.starter;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.RetentionReport;
import dev.precache.workflows.ImagePull;
import dev.precache.workflows.IncrementalBuild;
import dev.precache.workflows.VolumePerformance;
import dev.precache.workflows.RestoreTimeModel;
import dev.precache.workflows.VolumeSizing;
import dev.precache.workflows.VolumeUsage;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns successive progress answers into a log that prints each line once: {@code [n/9] title} per step (a
 * step passed between two polls is still printed, in order), the volume's size and why, each running pull's bytes
 * (at most every {@link #FIGURES_EVERY}), each finished pull, each new snapshot percent, each retry of a step with
 * its attempt and last error, and at the end what was built.
 */
final class ProgressPrinter implements ProgressView {
  private static final int ERROR_SHOWN_MAX = 300;

  private final PrintWriter out;
  private final String done;
  private final String failed;
  private int stepsPrinted;
  private final Set<String> pullsPrinted = new HashSet<>();
  private final Set<String> retriesPrinted = new HashSet<>();
  /** When each running pull's figures were last printed. */
  private final Map<String, Instant> figuresPrinted = new HashMap<>();
  private static final Duration FIGURES_EVERY = Duration.ofSeconds(30);
  private int percentPrinted = -1;
  private boolean sizePrinted;
  private Integer volumeSizeGiB;
  private VolumeSizing sizing;
  private VolumePerformance volumePerformance;
  private String instanceWarning;
  private RestoreTimeModel.Estimate restore;
  private IncrementalBuild incremental;
  private boolean preparedPrinted;

  private final boolean percentLines;

  /** @param unicode whether {@code out} can print ✓ and ✗ (not under {@code LANG=C}) */
  ProgressPrinter(PrintWriter out, boolean unicode) {
    this(out, unicode, true);
  }

  /**
   * @param percentLines whether each new snapshot percent, and a running pull's bytes every 30 s, get a line (a
   *                     terminal shows them on its live line)
   */
  ProgressPrinter(PrintWriter out, boolean unicode, boolean percentLines) {
    this.out = out;
    this.done = unicode ? "✓" : "ok";
    this.failed = unicode ? "✗" : "FAILED";
    this.percentLines = percentLines;
  }

  /** A view for {@code out}: a live display on a terminal, plain lines anywhere else. */
  static ProgressView forStream(PrintWriter out, boolean terminal) {
    boolean unicode = stdoutIsUnicode();
    return terminal ? new TerminalProgress(out, new ProgressPrinter(out, unicode, false), unicode)
        : new ProgressPrinter(out, unicode);
  }

  /** Whether the terminal's encoding, as Java sees it, has ✓ and ✗. */
  static boolean stdoutIsUnicode() {
    String encoding = System.getProperty("sun.stdout.encoding", System.getProperty("stdout.encoding",
        Charset.defaultCharset().name()));
    try {
      return Charset.forName(encoding).newEncoder().canEncode("✓✗");
    } catch (RuntimeException unknownCharset) {
      return false;
    }
  }

  @Override
  public void show(BuildProgress progress, List<ActivityAttempt> activities) {
    if (progress == null || progress.step() == null) {
      return;
    }
    if (progress.sizing() != null) {
      volumeSizeGiB = progress.volumeSizeGiB();
      sizing = progress.sizing();
      volumePerformance = progress.volumePerformance();
      instanceWarning = progress.instanceWarning();
      restore = progress.restore();
    }
    if (progress.incremental() != null) {
      incremental = progress.incremental();
    }
    printStepsThrough(progress.step(), progress.pulls());
    if (progress.step() == BuildStep.PULL_IMAGES && progress.pulls() != null && percentLines) {
      printFigures(progress.pulls(), activities);
    }
    if (progress.step() == BuildStep.SNAPSHOT && progress.snapshotId() != null && percentLines) {
      int percent = snapshotPercent(progress, activities);
      if (percent > percentPrinted) {
        percentPrinted = percent;
        out.println("  " + progress.snapshotId() + " " + percent + "%");
      }
    }
    for (ActivityAttempt activity : activities) {
      if (activity.retrying() && retriesPrinted.add(activity.type() + "#" + activity.attempt())) {
        out.println("  retrying " + activity.type() + ": " + activity.attemptText() + ", last error: "
            + oneLine(activity.lastFailure()));
      }
    }
    out.flush();
  }

  /** The freshest percent: the snapshot wait's heartbeat, else what the workflow last recorded. */
  static int snapshotPercent(BuildProgress progress, List<ActivityAttempt> activities) {
    return Math.max(progress.snapshotPercent() == null ? 0 : progress.snapshotPercent(),
        activities.stream().map(ActivityAttempt::snapshotPercent).filter(p -> p != null).max(Integer::compare).orElse(0));
  }

  /** Completes the log from the result: steps and pulls not seen yet, then what was built. */
  @Override
  public void finished(BuildResult result, Duration elapsed) {
    if (result.upToDate()) {
      sizing = null; // the snapshot's size is what it was built with, not this run's estimate
      printStepsThrough(BuildStep.RESOLVE_IMAGES, List.of());
      out.println("Up to date: " + result.snapshotId() + " already holds these " + result.images().size()
          + " image(s) at the same digests; nothing was launched"
          + (result.publishedParameter() == null ? "." : "; published to " + result.publishedParameter() + "."));
      printRetention(result.retention());
      out.flush();
      return;
    }
    List<ImagePull> pulls = result.images().stream()
        .map(image -> new ImagePull(image.image(), image.platform(), ImagePull.State.DONE, image.digest(), null))
        .toList();
    if (result.sizing() != null) {
      volumeSizeGiB = result.volumeSizeGiB();
      sizing = result.sizing();
      volumePerformance = result.volumePerformance();
      instanceWarning = result.instanceWarning();
    }
    if (result.incremental() != null) {
      incremental = result.incremental();
    }
    printStepsThrough(BuildStep.values()[BuildStep.total() - 1], pulls);
    VolumeUsage usage = result.volumeUsage();
    if (usage != null) {
      out.printf(Locale.ROOT, "Volume: %s of %d GiB used after the pulls (%.0f%%)%n",
          VolumeSizing.human(usage.usedBytes()), result.volumeSizeGiB(), usage.usedPercent());
    }
    if (incremental != null) {
      out.println("  " + incremental.summary());
    }
    out.println("  " + result.images().size() + " image pull" + (result.images().size() == 1 ? "" : "s") + " on a "
        + result.volumeSizeGiB() + " GiB volume" + (elapsed == null ? "" : ", built in " + human(elapsed)));
    if (result.publishedParameter() != null) {
      out.println("  published " + result.snapshotId() + " to SSM parameter " + result.publishedParameter());
    }
    if (result.copies() != null) {
      result.copies().forEach(copy -> out.println("  copied to " + copy.region() + ": " + copy.snapshotId()
          + (copy.publishedParameter() == null ? "" : ", published to SSM parameter " + copy.publishedParameter()
          + " there")));
    }
    printRetention(result.retention());
    out.println("All done! Created snapshot in " + result.region() + ": " + result.snapshotId());
    out.flush();
  }

  /** What {@code --keep} did after the build. */
  private void printRetention(RetentionReport retention) {
    if (retention == null) {
      return;
    }
    if (retention.warning() != null) {
      out.println("  warning: " + retention.warning());
      return;
    }
    List<String> deleted = retention.with(RetentionReport.Verdict.DELETED).stream()
        .map(entry -> entry.snapshot().snapshotId()).toList();
    out.println("  kept " + retention.with(RetentionReport.Verdict.KEEP).size() + " snapshot(s) (--keep "
        + retention.keep() + "), deleted " + (deleted.isEmpty() ? "none" : String.join(", ", deleted)));
  }

  /** Once the first step has sized the volume: the size and why. */
  private void printSize() {
    if (sizePrinted || volumeSizeGiB == null || sizing == null) {
      return;
    }
    sizePrinted = true;
    int sizeGiB = volumeSizeGiB;
    out.println("  volume " + sizeGiB + " GiB"
        + (sizeGiB == sizing.recommendedGiB() ? "" : " (as asked; the images need at least " + sizing.requiredGiB()
        + " GiB)") + ": " + VolumeSizing.human(sizing.estimatedBytes()) + " estimated = " + sizing.basis()
        + "; kept under kubelet's 85% image-GC threshold");
    if (volumePerformance != null) {
      out.println("  provisioned " + volumePerformance.summary(sizeGiB));
    }
    if (instanceWarning != null) {
      out.println("  warning: " + instanceWarning);
    }
    if (restore != null) {
      out.println("  restore: a new node reads every image " + restore.summary());
    }
  }

  /** An incremental build's pull whose layers the volume from the parent already held. */
  private String unchanged(ImagePull pull) {
    return incremental != null && incremental.unchangedPulls() != null
        && incremental.unchangedPulls().contains(pull.image() + " " + pull.platform())
        ? " (already on the volume)" : "";
  }

  /** {@code 1h02m03s}, {@code 12m31s}, {@code 9s}. */
  static String human(Duration duration) {
    long seconds = duration.toSeconds();
    if (seconds >= 3600) {
      return String.format("%dh%02dm%02ds", seconds / 3600, seconds % 3600 / 60, seconds % 60);
    }
    return seconds >= 60 ? String.format("%dm%02ds", seconds / 60, seconds % 60) : seconds + "s";
  }

  private static String oneLine(String text) {
    String line = text.replaceAll("\\s*\\R\\s*", " ").strip();
    return line.length() > ERROR_SHOWN_MAX ? line.substring(0, ERROR_SHOWN_MAX) + "..." : line;
  }

  private void printStepsThrough(BuildStep current, List<ImagePull> pulls) {
    while (stepsPrinted < current.number()) {
      if (stepsPrinted == BuildStep.RESOLVE_IMAGES.number()) {
        printSize(); // the size the first step worked out belongs above the next step
      }
      if (stepsPrinted == BuildStep.PREPARE_CONTAINERD.number()) {
        printPrepared(); // what the volume from the parent held, found while preparing
      }
      if (stepsPrinted == BuildStep.PULL_IMAGES.number()) {
        printPulls(pulls); // pulls that ended since the last poll belong above the next step
      }
      BuildStep step = BuildStep.values()[stepsPrinted++];
      out.println(BuildWatcher.stepLabel(step));
    }
    if (current == BuildStep.PULL_IMAGES) {
      printPulls(pulls);
    }
    if (current == BuildStep.RESOLVE_IMAGES) {
      printSize();
    }
  }

  private void printPrepared() {
    if (preparedPrinted || incremental == null || incremental.layersPresent() == null) {
      return;
    }
    preparedPrinted = true;
    out.println("  " + incremental.preparedSummary());
  }

  private void printFigures(List<ImagePull> pulls, List<ActivityAttempt> activities) {
    Instant now = Instant.now();
    for (ImagePull pull : pulls) {
      String key = pull.image() + " " + pull.platform();
      // The first line waits for a rate (the second probe): bytes alone say little in a log.
      PullFigures.progressOf(pull, activities).filter(PullFigures::hasRateOrIsUnpacking).ifPresent(progress -> {
        Instant last = figuresPrinted.get(key);
        if (last == null || !now.isBefore(last.plus(FIGURES_EVERY))) {
          figuresPrinted.put(key, now);
          out.println("  ... " + pull.image() + " (" + pull.platform() + "): " + PullFigures.text(progress));
        }
      });
    }
  }

  private void printPulls(List<ImagePull> pulls) {
    if (pulls == null) {
      return;
    }
    for (ImagePull pull : pulls) {
      boolean ended = pull.state() == ImagePull.State.DONE || pull.state() == ImagePull.State.FAILED;
      if (ended && pullsPrinted.add(pull.image() + " " + pull.platform())) {
        out.println(pull.state() == ImagePull.State.DONE
            ? "  " + done + " " + pull.image() + " (" + pull.platform() + ") " + pull.digest() + unchanged(pull)
            : "  " + failed + " " + pull.image() + " (" + pull.platform() + "): " + pull.error());
      }
    }
  }
}
