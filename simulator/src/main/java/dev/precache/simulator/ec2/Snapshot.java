package dev.precache.simulator.ec2;

import dev.precache.simulator.instance.VolumeImage;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An EBS snapshot: what the data volume held (each complete image × platform, with index and manifest digests)
 * and {@code bytes}, the volume's used bytes when it was taken. Its progress is a function of time: a fixed start latency, then the blocks it
 * stores ({@link SnapshotBlocks}: all the volume's, or those written since its parent) copied at a steady rate.
 * An injected error stops it half way.
 */
/*
 * Once created, a snapshot no longer depends on its volume: "The snapshot is created immediately, but it remains in
 * the pending state until all of data has been transferred to Amazon S3 ... The snapshot includes only the data
 * that was written to the volume at the time the snapshot was requested" (EBS User Guide, "Create Amazon EBS
 * snapshots"); "Deleting a volume has no effect on the snapshots made from it" (EBS User Guide, "Delete an Amazon
 * EBS snapshot"). So its contents and bytes are fixed here at creation, and deleting the volume changes nothing.
 */
public record Snapshot(String id, String volumeId, int volumeSizeGiB, String description, boolean encrypted,
                       String kmsKeyId, Instant startTime, Map<String, String> tags, List<VolumeImage> contents,
                       long bytes, long completesAtMillis, String errorMessage, SnapshotBlocks blocks) {

    public record Progress(String status, int percent, String stateMessage) {}

    /**
     * The simulator's estimate: FIGURES.md has one observation, 6 min 11 s for a 150 GiB volume holding
     * ray-ml and a Stable Diffusion image (ai-on-eks), and EBS gives no SLA. At 150 MiB/s that run would have
     * written about 54 GiB, which those images plausibly take compressed plus unpacked.
     */
    public static final long START_LATENCY_MILLIS = 8_000;
    public static final double COPY_BYTES_PER_SECOND = 150.0 * (1 << 20);

    /**
     * A copy to another region. FIGURES.md: time-based cross-region copies run at 500 MiB/s per copy (2,000 MiB/s
     * per account); standard copies have no SLA, so the simulator assumes that rate for them too, after the same
     * start latency as a snapshot (an assumption: no public figure for it).
     */
    public static final double CROSS_REGION_COPY_BYTES_PER_SECOND = 500.0 * (1 << 20);

    static long copyDurationMillis(long bytes) {
        return START_LATENCY_MILLIS + (long) (bytes / CROSS_REGION_COPY_BYTES_PER_SECOND * 1000);
    }

    static long durationMillis(long bytes) {
        return START_LATENCY_MILLIS + (long) (bytes / COPY_BYTES_PER_SECOND * 1000);
    }

    public Progress progress(long nowMillis) {
        long start = startTime.toEpochMilli();
        double fraction = Math.min(1.0, Math.max(0.0, (double) (nowMillis - start) / (completesAtMillis - start)));
        if (errorMessage != null && fraction >= 0.5) {
            return new Progress("error", 50, errorMessage);
        }
        if (fraction >= 1.0) {
            return new Progress("completed", 100, null);
        }
        return new Progress("pending", (int) (fraction * 100), null);
    }
}
