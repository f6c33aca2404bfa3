package dev.precache.simulator.instance;

import java.util.Map;

/**
 * One image × platform whose content is complete on the data volume, with the image's labels: what a snapshot
 * of the volume records. {@code digest} is the platform's manifest digest, {@code bytes} its compressed blobs
 * (config and layers), {@code unpackedBytes} its layers once unpacked.
 */
public record VolumeImage(String namespace, String image, String platform, String indexDigest, String digest,
    long bytes, long unpackedBytes, Map<String, String> labels) {}
