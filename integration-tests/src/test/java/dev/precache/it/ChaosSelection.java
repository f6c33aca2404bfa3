package dev.precache.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.precache.it.ChaosSuiteTest.Restart;
import dev.precache.workflows.BuildStep;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Which chaos cases a run has. An ordinary run ({@code mvn -B verify}, CI) has the fast cases and one worker kill,
 * a different step and restart each day: UTC day of the year modulo 18, the steps first with the 1 s restart, then
 * with the restart after the heartbeat timeout. {@code -Dprecache.chaos=all} (what {@code -Dgroups=chaos} and
 * {@code bench/chaos} set) has every case; {@code -Dprecache.chaos.step=PULL_IMAGES} kills the worker at that step,
 * both restarts. The cases a run leaves out are reported as skipped, saying how to run them.
 */
final class ChaosSelection {
  static final String ALL_PROPERTY = "precache.chaos";
  static final String STEP_PROPERTY = "precache.chaos.step";

  private ChaosSelection() {}

  static boolean all() {
    return "all".equals(System.getProperty(ALL_PROPERTY));
  }

  /** The worker kill of this run, when it is not the whole suite. */
  static String rotated() {
    String chosen = chosenStep();
    if (chosen != null) {
      return chosen + ", both restarts";
    }
    return rotatedStep() + ", " + rotatedRestart();
  }

  /** Skips a worker-kill case other than this run's, unless the whole suite was asked for. */
  static void assumeWorkerKillRuns(BuildStep step, Restart restart) {
    String chosen = chosenStep();
    boolean runs = all() || (chosen != null ? BuildStep.valueOf(chosen) == step
        : step == rotatedStep() && restart == rotatedRestart());
    assumeTrue(runs, () -> "this run kills the worker at " + rotated() + " only; -D" + ALL_PROPERTY
        + "=all (or bench/chaos) runs every step, -D" + STEP_PROPERTY + "=" + step + " this one");
  }

  /** Skips a case that only the whole suite has. */
  static void assumeWholeSuite(String why) {
    assumeTrue(all(), () -> why + ": runs with -D" + ALL_PROPERTY + "=all (or bench/chaos)");
  }

  private static String chosenStep() {
    String chosen = System.getProperty(STEP_PROPERTY);
    return chosen == null || chosen.isBlank() ? null : chosen.strip();
  }

  private static int dayIndex() {
    return LocalDate.now(ZoneOffset.UTC).getDayOfYear() % (BuildStep.values().length * Restart.values().length);
  }

  private static BuildStep rotatedStep() {
    return BuildStep.values()[dayIndex() % BuildStep.values().length];
  }

  private static Restart rotatedRestart() {
    return Restart.values()[dayIndex() / BuildStep.values().length];
  }
}
