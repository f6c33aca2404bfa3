package dev.precache.workflows;

/** One image × platform as containerd holds it on the data volume. */
public record CachedImage(String image, String platform, String digest, long sizeBytes) {}
