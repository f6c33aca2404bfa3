package dev.precache.workflows;

/**
 * {@code --copy-to-region REGION[=KMS_KEY]}: a copy of the snapshot in another region, encrypted there with
 * {@code kmsKeyId} (with {@code -e}; null: the region's default EBS key).
 */
public record RegionCopy(String region, String kmsKeyId) {}
