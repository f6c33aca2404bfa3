package dev.precache.workflows;

import java.util.Map;

/** A snapshot as EC2 describes it: its state ({@code pending}, {@code completed}, {@code error}), size and tags. */
public record SnapshotDescription(String snapshotId, String state, int volumeSizeGiB, boolean encrypted,
    Map<String, String> tags) {}
