package dev.precache.workflows;

import java.util.Map;

/**
 * The newest completed snapshot of a build name in a region, with the tags it describes itself with (see
 * {@link SnapshotContent}) and whether it is encrypted.
 */
public record PreviousSnapshot(String snapshotId, int volumeSizeGiB, boolean encrypted, Map<String, String> tags) {}
