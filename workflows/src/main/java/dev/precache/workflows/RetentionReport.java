package dev.precache.workflows;

import java.util.List;

/**
 * What retention found and did in one region.
 *
 * @param snapshots every precache snapshot it looked at, newest first within each name
 * @param warning   why retention did not complete (a build reports it and still succeeds), or null
 */
public record RetentionReport(String region, Integer keep, boolean dryRun, List<Entry> snapshots, String warning) {

  public enum Verdict {
    /** Listed only: no {@code --keep} was given. */
    LISTED,
    KEEP,
    /** Retention chose it; with {@code --dry-run} nothing was deleted. */
    EXPIRE,
    DELETED
  }

  /** @param reason why it stays or goes, in words */
  public record Entry(StoredSnapshot snapshot, Verdict verdict, String reason) {}

  public List<Entry> with(Verdict verdict) {
    return snapshots.stream().filter(entry -> entry.verdict() == verdict).toList();
  }
}
