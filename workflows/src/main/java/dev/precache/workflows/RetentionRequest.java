package dev.precache.workflows;

/**
 * What {@code snapshots list}, {@code snapshots prune} and a build's final step ask of {@link Retention}.
 *
 * @param region where to look
 * @param name   one build name, or null for every precache snapshot of the region
 * @param keep   how many of the newest completed snapshots of each name to keep; null lists without deciding
 * @param dryRun decide and report, delete nothing
 */
public record RetentionRequest(String region, String name, Integer keep, boolean dryRun) {

  /** {@code --keep} of builds and {@code snapshots prune}: 1 at least (a build's own snapshot always stays). */
  public static final int MAX_KEEP = 1000;
  /** What a schedule keeps when its spec says nothing, and what {@code snapshots prune} keeps without --keep. */
  public static final int DEFAULT_KEEP = 3;

  /** A clear message naming {@code --keep}, or null when {@code keep} is fine. */
  public static String keepProblem(Integer keep) {
    return keep == null || (keep >= 1 && keep <= MAX_KEEP) ? null
        : "invalid --keep (must be between 1 and " + MAX_KEEP + ", got " + keep + ")";
  }
}
