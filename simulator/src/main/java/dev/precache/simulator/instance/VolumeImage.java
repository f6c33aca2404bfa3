package dev.precache.simulator.instance;

import java.util.Map;

/** One image × platform held on the data volume, with the image's labels: what a snapshot of the volume records. */
public record VolumeImage(String namespace, String image, String platform, String digest, long bytes, Map<String, String> labels) {}
