package dev.precache.workflows;

import java.time.Duration;
import java.util.List;

/**
 * {@code precache janitor}: where to look, how old a build's leftovers must be, and whether to remove them.
 *
 * @param olderThan a build's resources younger than this stay even when Temporal does not know the build, so a
 *                  build that has just started (or a server being restored) is never raced
 */
public record JanitorRequest(List<String> regions, Duration olderThan, boolean dryRun) {

  public static final Duration DEFAULT_OLDER_THAN = Duration.ofHours(6);
}
