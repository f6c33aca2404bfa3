package dev.precache.workflows;

import java.util.Map;

/**
 * The newest completed snapshot of a build name in a region, with the tags it describes itself with (see
 * {@link SnapshotContent}).
 */
public record PreviousSnapshot(String snapshotId, int volumeSizeGiB, Map<String, String> tags) {}
