package dev.precache.starter;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.ImagePull;
import dev.precache.workflows.VolumeSizing;
import dev.precache.workflows.VolumeUsage;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns successive progress answers into a log that prints each line once: {@code [n/9] title} per step (a
 * step passed between two polls is still printed, in order), each finished pull, and the snapshot's percent in
 * steps of {@value #PERCENT_STEP}.
 */
final class ProgressPrinter {
  private static final int PERCENT_STEP = 20;

  private final PrintWriter out;
  private int stepsPrinted;
  private final Set<String> pullsPrinted = new HashSet<>();
  private int percentPrinted = -PERCENT_STEP;
  private boolean sizePrinted;
  private Integer volumeSizeGiB;
  private VolumeSizing sizing;

  ProgressPrinter(PrintWriter out) {
    this.out = out;
  }

  void show(BuildProgress progress) {
    if (progress == null || progress.step() == null) {
      return;
    }
    if (progress.sizing() != null) {
      volumeSizeGiB = progress.volumeSizeGiB();
      sizing = progress.sizing();
    }
    printStepsThrough(progress.step(), progress.pulls());
    Integer percent = progress.snapshotPercent();
    if (progress.step() == BuildStep.SNAPSHOT && percent != null
        && (percent >= percentPrinted + PERCENT_STEP || percent == 100 && percentPrinted < 100)) {
      percentPrinted = percent;
      out.println("  " + progress.snapshotId() + " " + percent + "%");
    }
    out.flush();
  }

  /** Completes the log from the result: steps and pulls not seen yet, then the snapshot. */
  void finished(BuildResult result) {
    if (result.upToDate()) {
      sizing = null; // the snapshot's size is what it was built with, not this run's estimate
      printStepsThrough(BuildStep.RESOLVE_IMAGES, List.of());
      out.println("Up to date: " + result.snapshotId() + " already holds these " + result.images().size()
          + " image(s) at the same digests; nothing was launched"
          + (result.publishedParameter() == null ? "." : "; published to " + result.publishedParameter() + "."));
      out.flush();
      return;
    }
    List<ImagePull> pulls = result.images().stream()
        .map(image -> new ImagePull(image.image(), image.platform(), ImagePull.State.DONE, image.digest(), null))
        .toList();
    if (result.sizing() != null) {
      volumeSizeGiB = result.volumeSizeGiB();
      sizing = result.sizing();
    }
    printStepsThrough(BuildStep.values()[BuildStep.total() - 1], pulls);
    VolumeUsage usage = result.volumeUsage();
    if (usage != null) {
      out.printf(Locale.ROOT, "Volume: %s of %d GiB used after the pulls (%.0f%%)%n",
          VolumeSizing.human(usage.usedBytes()), result.volumeSizeGiB(), usage.usedPercent());
    }
    out.println("All done! Created snapshot in " + result.region() + ": " + result.snapshotId());
    out.flush();
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
  }

  private void printStepsThrough(BuildStep current, List<ImagePull> pulls) {
    while (stepsPrinted < current.number()) {
      if (stepsPrinted == BuildStep.RESOLVE_IMAGES.number()) {
        printSize(); // the size the first step worked out belongs above the next step
      }
      if (stepsPrinted == BuildStep.PULL_IMAGES.number()) {
        printPulls(pulls); // pulls that ended since the last poll belong above the next step
      }
      BuildStep step = BuildStep.values()[stepsPrinted++];
      out.println("[" + step.number() + "/" + BuildStep.total() + "] " + step.title());
    }
    if (current == BuildStep.PULL_IMAGES) {
      printPulls(pulls);
    }
    if (current == BuildStep.RESOLVE_IMAGES) {
      printSize();
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
            ? "  ✓ " + pull.image() + " (" + pull.platform() + ") " + pull.digest()
            : "  ✗ " + pull.image() + " (" + pull.platform() + "): " + pull.error());
      }
    }
  }
}
