package dev.precache.simulator.ec2;

/**
 * How a volume created from a snapshot comes to hold the snapshot's blocks. The simulator lays the snapshot's
 * written bytes at the start of the device (where a real file system puts them does not change how many there
 * are); blocks the snapshot never held read as zeros and need no fetch.
 * <ul>
 *   <li>default: each block is fetched from S3 on its first read, at {@link #LAZY_FETCH_BYTES_PER_SECOND};</li>
 *   <li>provisioned-rate ({@code VolumeInitializationRate}, 100–300 MiB/s): EBS fetches every block in the
 *       background at that rate from creation, so the volume is initialised at bytes / rate; a read of a block
 *       not yet fetched waits for it;</li>
 *   <li>fast snapshot restore: "fully initialized at creation" (EBS User Guide, "Amazon EBS fast snapshot
 *       restore").</li>
 * </ul>
 */
public final class VolumeInitialization {
    private static final double MIB = 1 << 20;
    /**
     * FIGURES.md (EBS): first reads of a volume created from a snapshot run at single-digit MB/s in user reports,
     * ~5–9 MiB/s. A range; the simulator takes its middle.
     */
    public static final double LAZY_FETCH_BYTES_PER_SECOND = 7 * MIB;
    /** CreateVolume / EbsBlockDevice {@code VolumeInitializationRate}: "Valid range: 100 - 300 MiB/s" (EC2 API Reference). */
    public static final int MIN_RATE_MIBPS = 100;
    public static final int MAX_RATE_MIBPS = 300;

    public enum Type {
        DEFAULT("default"), PROVISIONED_RATE("provisioned-rate");

        private final String apiName;

        Type(String apiName) {
            this.apiName = apiName;
        }

        public String apiName() {
            return apiName;
        }
    }

    private final long snapshotBytes;
    private final long createdAtMillis;
    private final Integer rateMiBps;
    private final boolean fastRestored;
    /** The prefix of the snapshot's bytes that first reads have fetched (default initialisation). */
    private long fetchedByReads;

    private VolumeInitialization(long snapshotBytes, long createdAtMillis, Integer rateMiBps, boolean fastRestored) {
        this.snapshotBytes = snapshotBytes;
        this.createdAtMillis = createdAtMillis;
        this.rateMiBps = rateMiBps;
        this.fastRestored = fastRestored;
    }

    /** An empty volume: nothing to fetch. */
    static VolumeInitialization empty(long now) {
        return new VolumeInitialization(0, now, null, false);
    }

    /** A provisioned rate overrides FSR when both apply (EC2 API Reference, {@code VolumeInitializationRate}). */
    static VolumeInitialization fromSnapshot(long snapshotBytes, long now, Integer rateMiBps, boolean fsrAvailable) {
        return new VolumeInitialization(snapshotBytes, now, rateMiBps, rateMiBps == null && fsrAvailable);
    }

    public boolean fromSnapshot() {
        return snapshotBytes > 0 || rateMiBps != null || fastRestored;
    }

    public Type type() {
        return rateMiBps == null ? Type.DEFAULT : Type.PROVISIONED_RATE;
    }

    public Integer rateMiBps() {
        return rateMiBps;
    }

    public boolean fastRestored() {
        return fastRestored;
    }

    public long snapshotBytes() {
        return snapshotBytes;
    }

    /** The bytes of the snapshot the volume holds at {@code now}. */
    public long initializedBytes(long now) {
        if (fastRestored) {
            return snapshotBytes;
        }
        long background = rateMiBps == null ? 0
                : (long) (Math.max(0, now - createdAtMillis) / 1000.0 * rateMiBps * MIB);
        return Math.min(snapshotBytes, Math.max(background, fetchedByReads));
    }

    public int progressPercent(long now) {
        return snapshotBytes == 0 ? 100 : (int) (100 * initializedBytes(now) / snapshotBytes);
    }

    /** DescribeVolumeStatus gives this only for a provisioned rate; 0 once initialised. */
    public Long estimatedSecondsToComplete(long now) {
        if (rateMiBps == null) {
            return null;
        }
        return (long) Math.ceil((snapshotBytes - initializedBytes(now)) / (rateMiBps * MIB));
    }

    /**
     * Reads the first {@code bytes} of the device, from {@code now}, at the volume's throughput: how long it takes.
     * Blocks of the snapshot not yet held are fetched on the read (default) or waited for (provisioned rate).
     */
    long read(long bytes, long now, double throughputBytesPerSecond) {
        long ofSnapshot = Math.min(bytes, snapshotBytes);
        long missing = Math.max(0, ofSnapshot - initializedBytes(now));
        double atThroughput = bytes / throughputBytesPerSecond;
        double seconds;
        if (rateMiBps != null) {
            seconds = Math.max(atThroughput, missing / (rateMiBps * MIB));
        } else {
            seconds = missing / LAZY_FETCH_BYTES_PER_SECOND + (bytes - missing) / throughputBytesPerSecond;
            fetchedByReads = Math.max(fetchedByReads, ofSnapshot);
        }
        return (long) Math.ceil(seconds * 1000);
    }
}
