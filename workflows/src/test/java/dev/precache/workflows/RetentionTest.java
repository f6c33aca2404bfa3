package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.RetentionReport.Entry;
import dev.precache.workflows.RetentionReport.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link Retention#select}: the newest N completed per name and region, never what is in use or unfinished. */
class RetentionTest {

  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  /** A completed snapshot of {@code name} in {@code region}, {@code hour} hours after T0. */
  private static StoredSnapshot snapshot(String id, String name, String region, int hour) {
    return snapshot(id, name, region, hour, "completed", List.of(), Map.of());
  }

  private static StoredSnapshot snapshot(String id, String name, String region, int hour, String state,
      List<String> usedBy, Map<String, String> extraTags) {
    Map<String, String> tags = new HashMap<>(extraTags);
    tags.put(SnapshotContent.NAME, name);
    return new StoredSnapshot(id, region, name, state, T0.plusSeconds(hour * 3600L), 20, "sha256:" + id, null, null,
        null, usedBy, tags);
  }

  private static Map<String, Verdict> verdicts(List<StoredSnapshot> snapshots, int keep) {
    Map<String, Verdict> verdicts = new LinkedHashMap<>();
    Retention.select(snapshots, keep).forEach(entry -> verdicts.put(entry.snapshot().snapshotId(), entry.verdict()));
    return verdicts;
  }

  @Test
  void keepsTheNewestNCompletedAndExpiresTheRest() {
    List<StoredSnapshot> snapshots = new ArrayList<>();
    for (int hour = 0; hour < 6; hour++) {
      snapshots.add(snapshot("snap-" + hour, "gpu", "us-west-2", hour));
    }
    assertThat(verdicts(snapshots, 3)).containsExactly(
        Map.entry("snap-5", Verdict.KEEP), Map.entry("snap-4", Verdict.KEEP), Map.entry("snap-3", Verdict.KEEP),
        Map.entry("snap-2", Verdict.EXPIRE), Map.entry("snap-1", Verdict.EXPIRE), Map.entry("snap-0", Verdict.EXPIRE));
  }

  @Test
  void theOrderSnapshotsAreListedInDoesNotMatter() {
    List<StoredSnapshot> snapshots = List.of(snapshot("snap-a", "gpu", "r", 2), snapshot("snap-b", "gpu", "r", 0),
        snapshot("snap-c", "gpu", "r", 1));
    assertThat(verdicts(snapshots, 1)).containsEntry("snap-a", Verdict.KEEP)
        .containsEntry("snap-b", Verdict.EXPIRE).containsEntry("snap-c", Verdict.EXPIRE);
  }

  @Test
  void fewerThanNIsAllKept() {
    assertThat(verdicts(List.of(snapshot("snap-a", "gpu", "r", 0), snapshot("snap-b", "gpu", "r", 1)), 3).values())
        .containsOnly(Verdict.KEEP);
  }

  @Test
  void eachNameIsCountedOnItsOwn() {
    List<StoredSnapshot> snapshots = List.of(snapshot("gpu-old", "gpu", "r", 0), snapshot("gpu-new", "gpu", "r", 5),
        snapshot("web-old", "web", "r", 1), snapshot("web-new", "web", "r", 2));
    assertThat(verdicts(snapshots, 1)).containsEntry("gpu-new", Verdict.KEEP).containsEntry("gpu-old", Verdict.EXPIRE)
        .containsEntry("web-new", Verdict.KEEP).containsEntry("web-old", Verdict.EXPIRE);
  }

  @Test
  void copiesAreCountedInTheirOwnRegion() {
    List<StoredSnapshot> snapshots = List.of(snapshot("west-1", "gpu", "us-west-2", 1),
        snapshot("west-2", "gpu", "us-west-2", 2), snapshot("east-1", "gpu", "us-east-1", 1),
        snapshot("east-2", "gpu", "us-east-1", 2));
    assertThat(verdicts(snapshots, 1)).containsEntry("west-2", Verdict.KEEP).containsEntry("west-1", Verdict.EXPIRE)
        .containsEntry("east-2", Verdict.KEEP).containsEntry("east-1", Verdict.EXPIRE);
  }

  @Test
  void aPublishedSnapshotStaysHoweverOld() {
    List<StoredSnapshot> snapshots = List.of(
        snapshot("published", "gpu", "r", 0, "completed", List.of("SSM parameter /precache/gpu"), Map.of()),
        snapshot("snap-1", "gpu", "r", 1), snapshot("snap-2", "gpu", "r", 2), snapshot("snap-3", "gpu", "r", 3));
    List<Entry> entries = Retention.select(snapshots, 1);
    assertThat(verdicts(snapshots, 1)).containsEntry("published", Verdict.KEEP).containsEntry("snap-3", Verdict.KEEP)
        .containsEntry("snap-2", Verdict.EXPIRE).containsEntry("snap-1", Verdict.EXPIRE);
    assertThat(entries.stream().filter(e -> e.snapshot().snapshotId().equals("published")).findFirst().orElseThrow()
        .reason()).isEqualTo("in use: SSM parameter /precache/gpu");
  }

  @Test
  void fastRestoreNodeclassAndVolumeUsesAllHoldASnapshot() {
    List<StoredSnapshot> snapshots = List.of(
        snapshot("fsr", "gpu", "r", 0, "completed", List.of("Fast Snapshot Restore (enabled)"), Map.of()),
        snapshot("nodeclass", "gpu", "r", 1, "completed", List.of("EC2NodeClass ctx/gpu"), Map.of()),
        snapshot("restoring", "gpu", "r", 2, "completed", List.of("volume vol-1 being created from it"), Map.of()),
        snapshot("unused", "gpu", "r", 3), snapshot("newest", "gpu", "r", 4));
    assertThat(verdicts(snapshots, 1)).containsEntry("fsr", Verdict.KEEP).containsEntry("nodeclass", Verdict.KEEP)
        .containsEntry("restoring", Verdict.KEEP).containsEntry("unused", Verdict.EXPIRE)
        .containsEntry("newest", Verdict.KEEP);
  }

  @Test
  void aSnapshotInUseAmongTheNewestTakesOneOfTheNSlots() {
    List<StoredSnapshot> snapshots = List.of(snapshot("old", "gpu", "r", 0),
        snapshot("published", "gpu", "r", 1, "completed", List.of("SSM parameter /p"), Map.of()));
    assertThat(verdicts(snapshots, 1)).containsEntry("published", Verdict.KEEP).containsEntry("old", Verdict.EXPIRE);
  }

  @Test
  void pendingAndErrorSnapshotsAreNeitherCountedNorExpired() {
    List<StoredSnapshot> snapshots = List.of(snapshot("old", "gpu", "r", 0),
        snapshot("pending", "gpu", "r", 5, "pending", List.of(), Map.of()),
        snapshot("broken", "gpu", "r", 4, "error", List.of(), Map.of()),
        snapshot("done", "gpu", "r", 3));
    Map<String, Verdict> verdicts = verdicts(snapshots, 1);
    assertThat(verdicts).containsEntry("pending", Verdict.KEEP).containsEntry("broken", Verdict.KEEP)
        .containsEntry("done", Verdict.KEEP).containsEntry("old", Verdict.EXPIRE);
  }

  @Test
  void aFailedBuildsSnapshotIsLeftToItsTeardownOrTheJanitorAndNotCounted() {
    List<StoredSnapshot> snapshots = List.of(snapshot("good", "gpu", "r", 0),
        snapshot("failed", "gpu", "r", 1, "completed", List.of(),
            Map.of(SnapshotLifecycle.STATE, SnapshotLifecycle.FAILED)));
    List<Entry> entries = Retention.select(snapshots, 1);
    assertThat(verdicts(snapshots, 1)).containsEntry("good", Verdict.KEEP).containsEntry("failed", Verdict.KEEP);
    assertThat(entries.stream().collect(Collectors.toMap(e -> e.snapshot().snapshotId(), Entry::reason)))
        .containsEntry("failed", "a failed build's: its teardown or the janitor deletes it");
  }

  @Test
  void everyExpiredOneSaysWhy() {
    List<Entry> entries = Retention.select(List.of(snapshot("a", "gpu", "us-west-2", 0),
        snapshot("b", "gpu", "us-west-2", 1)), 1);
    assertThat(entries).extracting(Entry::reason).containsExactly(
        "one of the newest 1 completed of 'gpu' in us-west-2", "older than the newest 1 completed of 'gpu' in us-west-2");
  }

  @Test
  void keepIsValidated() {
    assertThat(RetentionRequest.keepProblem(null)).isNull();
    assertThat(RetentionRequest.keepProblem(1)).isNull();
    assertThat(RetentionRequest.keepProblem(0)).isEqualTo("invalid --keep (must be between 1 and 1000, got 0)");
    assertThat(RetentionRequest.keepProblem(1001)).contains("got 1001");
  }
}
