package dev.precache.workflows;

import dev.precache.workflows.RetentionActivities.Expiry;
import dev.precache.workflows.RetentionReport.Entry;
import dev.precache.workflows.RetentionReport.Verdict;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which snapshots retention keeps: of each build name in each region (a copy counts in its own region), the
 * newest {@code keep} completed ones, and, whatever their age, every one something uses (an SSM parameter names
 * it, an applied nodeclass, Fast Snapshot Restore, a volume being created from it), every one not completed (a
 * build may still be making it; a failed build's is its teardown's or the janitor's to delete).
 *
 * <p>The parent of a kept snapshot is not kept for its sake: EBS needs no earlier snapshot to restore a later one.
 * "When you delete a snapshot, only the data exclusively referenced by that snapshot is removed ... Deleting
 * previous snapshots of a volume does not affect your ability to create volumes from later snapshots of that
 * volume" (EBS User Guide, "Delete an Amazon EBS snapshot"; incremental snapshots, "How snapshots work").
 */
public final class Retention {

  private Retention() {}

  /** Pure: the verdict on each snapshot, newest first within each name and region. */
  public static List<Entry> select(List<StoredSnapshot> snapshots, int keep) {
    Map<String, List<StoredSnapshot>> byNameAndRegion = new LinkedHashMap<>();
    snapshots.stream()
        .sorted(Comparator.comparing(StoredSnapshot::startTime).reversed().thenComparing(StoredSnapshot::snapshotId))
        .forEach(s -> byNameAndRegion.computeIfAbsent(s.name() + "\n" + s.region(), k -> new ArrayList<>()).add(s));
    List<Entry> entries = new ArrayList<>();
    for (List<StoredSnapshot> group : byNameAndRegion.values()) {
      int completedSeen = 0;
      for (StoredSnapshot snapshot : group) {
        String scope = "'" + snapshot.name() + "' in " + snapshot.region();
        boolean newest = snapshot.completed() && !snapshot.failedBuild() && completedSeen++ < keep;
        if (!snapshot.usedBy().isEmpty()) {
          entries.add(new Entry(snapshot, Verdict.KEEP, "in use: " + String.join("; ", snapshot.usedBy())));
        } else if (snapshot.failedBuild()) {
          entries.add(new Entry(snapshot, Verdict.KEEP, "a failed build's: its teardown or the janitor deletes it"));
        } else if (!snapshot.completed()) {
          entries.add(new Entry(snapshot, Verdict.KEEP, "not completed (" + snapshot.state() + ")"));
        } else if (newest) {
          entries.add(new Entry(snapshot, Verdict.KEEP, "one of the newest " + keep + " completed of " + scope));
        } else {
          entries.add(new Entry(snapshot, Verdict.EXPIRE, "older than the newest " + keep + " completed of " + scope));
        }
      }
    }
    return entries;
  }

  /**
   * Lists, decides and, unless a dry run, deletes: workflow code, the activities' calls are its only effects. A
   * snapshot found in use when it is about to go stays, saying why.
   */
  public static RetentionReport apply(RetentionRequest request, RetentionActivities activities) {
    List<StoredSnapshot> snapshots = activities.listSnapshots(request.region(), request.name());
    if (request.keep() == null) {
      List<Entry> listed = snapshots.stream()
          .sorted(Comparator.comparing(StoredSnapshot::startTime).reversed())
          .map(s -> new Entry(s, Verdict.LISTED, s.usedBy().isEmpty() ? null : "in use: " + String.join("; ", s.usedBy())))
          .toList();
      return new RetentionReport(request.region(), null, request.dryRun(), listed, null);
    }
    List<Entry> entries = new ArrayList<>();
    for (Entry entry : select(snapshots, request.keep())) {
      if (entry.verdict() != Verdict.EXPIRE || request.dryRun()) {
        entries.add(entry);
        continue;
      }
      Expiry expiry = activities.expireSnapshot(request.region(), entry.snapshot().snapshotId());
      entries.add(expiry.deleted() ? new Entry(entry.snapshot(), Verdict.DELETED, entry.reason())
          : new Entry(entry.snapshot(), Verdict.KEEP, "in use: " + expiry.keptBecause()));
    }
    return new RetentionReport(request.region(), request.keep(), request.dryRun(), entries, null);
  }
}
