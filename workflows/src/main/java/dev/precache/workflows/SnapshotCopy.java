package dev.precache.workflows;

/** A completed copy of the build's snapshot in another region, and the SSM parameter there naming it, or null. */
public record SnapshotCopy(String region, String snapshotId, String publishedParameter) {}
