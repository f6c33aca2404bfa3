package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.JanitorReport.Sweep;
import dev.precache.workflows.JanitorReport.Verdict;
import dev.precache.workflows.Leftover.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link Janitor#decide}: a build's leftovers go only when it is not running and old enough. */
class JanitorTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  private static final Duration SIX_HOURS = Duration.ofHours(6);

  private static Leftover leftover(Kind kind, String id, String build, String workflow, Duration age) {
    return new Leftover(kind, id, "us-west-2", build, workflow, NOW.minus(age));
  }

  private static Map<String, Verdict> verdicts(List<Leftover> leftovers, Set<String> running, Duration olderThan) {
    Map<String, Verdict> verdicts = new LinkedHashMap<>();
    Janitor.decide(Janitor.traced(leftovers), running, NOW, olderThan)
        .forEach(sweep -> verdicts.put(sweep.leftover().id(), sweep.verdict()));
    return verdicts;
  }

  @Test
  void anOldBuildUnknownToTemporalIsRemovedStackFirst() {
    List<Leftover> leftovers = List.of(
        leftover(Kind.INSTANCE, "i-1", "orphan-1", null, Duration.ofHours(7)),
        leftover(Kind.STACK, "precache-orphan-1", "orphan-1", "precache-orphan-abc", Duration.ofHours(7)));
    assertThat(verdicts(leftovers, Set.of(), SIX_HOURS)).containsExactly(
        Map.entry("precache-orphan-1", Verdict.REMOVE), Map.entry("i-1", Verdict.REMOVE));
  }

  @Test
  void aRunningBuildIsNeverTouchedHoweverOld() {
    List<Leftover> leftovers = List.of(
        leftover(Kind.STACK, "precache-alive-1", "alive-1", "precache-alive-abc", Duration.ofHours(40)),
        leftover(Kind.INSTANCE, "i-2", "alive-1", null, Duration.ofHours(40)),
        leftover(Kind.PARAMETER, "/precache/builds/alive-1/pull-0", "alive-1", null, Duration.ofHours(40)));
    assertThat(verdicts(leftovers, Set.of("precache-alive-abc"), SIX_HOURS).values()).containsOnly(Verdict.KEEP);
  }

  @Test
  void aYoungBuildIsLeftEvenWhenTemporalDoesNotKnowIt() {
    List<Leftover> leftovers = List.of(
        leftover(Kind.STACK, "precache-new-1", "new-1", "precache-new-abc", Duration.ofMinutes(10)),
        leftover(Kind.INSTANCE, "i-3", "new-1", null, Duration.ofMinutes(5)));
    List<Sweep> sweeps = Janitor.decide(Janitor.traced(leftovers), Set.of(), NOW, SIX_HOURS);
    assertThat(sweeps).extracting(Sweep::verdict).containsOnly(Verdict.KEEP);
    assertThat(sweeps.get(0).reason()).isEqualTo("build new-1 started 10m ago, under --older-than 6h");
  }

  @Test
  void theBuildsAgeIsItsOldestResources() {
    List<Leftover> leftovers = List.of(
        leftover(Kind.STACK, "precache-old-1", "old-1", "precache-old-abc", Duration.ofHours(8)),
        leftover(Kind.PARAMETER, "/precache/builds/old-1/pull-0", "old-1", null, Duration.ofMinutes(1)));
    assertThat(verdicts(leftovers, Set.of(), SIX_HOURS).values()).containsOnly(Verdict.REMOVE);
  }

  @Test
  void aBuildNamingNoWorkflowWaitsUntilNoBuildCanStillRun() {
    List<Leftover> leftovers = List.of(
        leftover(Kind.INSTANCE, "i-4", "legacy-1", null, Duration.ofHours(20)),
        leftover(Kind.INSTANCE, "i-5", "legacy-2", null, Duration.ofHours(50)));
    assertThat(verdicts(leftovers, Set.of(), SIX_HOURS)).containsEntry("i-4", Verdict.KEEP)
        .containsEntry("i-5", Verdict.REMOVE);
  }

  @Test
  void zeroOlderThanRemovesWhateverTheAgeEvenAheadOfTheClock() {
    List<Leftover> leftovers = List.of(
        leftover(Kind.STACK, "precache-x-1", "x-1", "precache-x-abc", Duration.ofMinutes(-3)));
    assertThat(verdicts(leftovers, Set.of(), Duration.ZERO)).containsEntry("precache-x-1", Verdict.REMOVE);
  }

  @Test
  void buildsInDifferentRegionsAreTracedApart() {
    List<Leftover> leftovers = List.of(
        new Leftover(Kind.STACK, "precache-b-1", "us-west-2", "b-1", "precache-b-running", NOW.minusSeconds(90_000)),
        new Leftover(Kind.INSTANCE, "i-6", "eu-west-1", "b-1", null, NOW.minusSeconds(90_000)));
    assertThat(verdicts(leftovers, Set.of("precache-b-running"), SIX_HOURS)).containsEntry("precache-b-1", Verdict.KEEP)
        .containsEntry("i-6", Verdict.KEEP);
    assertThat(Janitor.traced(leftovers).get(1).workflowId()).isNull();
  }
}
