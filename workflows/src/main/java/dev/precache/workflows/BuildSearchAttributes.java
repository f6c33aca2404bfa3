package dev.precache.workflows;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * The typed search attributes every build carries, kept current as it advances, so builds can be found in
 * the Web UI and by {@code precache list}. A namespace must have them registered before builds start: the
 * worker does so on a dev server; deploy/ says how on a real cluster.
 */
public final class BuildSearchAttributes {
  public static final SearchAttributeKey<String> STATUS = SearchAttributeKey.forKeyword("PrecacheStatus");
  public static final SearchAttributeKey<String> REGION = SearchAttributeKey.forKeyword("PrecacheRegion");
  public static final SearchAttributeKey<List<String>> IMAGES = SearchAttributeKey.forKeywordList("PrecacheImages");
  public static final SearchAttributeKey<String> SNAPSHOT_ID = SearchAttributeKey.forKeyword("PrecacheSnapshotId");
  public static final SearchAttributeKey<String> BUILD_NAME = SearchAttributeKey.forKeyword("PrecacheBuildName");
  public static final SearchAttributeKey<String> SCHEDULE_ID = SearchAttributeKey.forKeyword("PrecacheScheduleId");

  public static final List<SearchAttributeKey<?>> ALL =
      List.of(STATUS, REGION, IMAGES, SNAPSHOT_ID, BUILD_NAME, SCHEDULE_ID);

  /** Values of {@link #STATUS}. */
  public enum Status { RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT }

  private BuildSearchAttributes() {}
}
