package dev.precache.simulator.ec2;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fast snapshot restore (FSR) of one region: one entry per snapshot × Availability Zone, whose state is a function
 * of time (enabling → optimizing → enabled; disabling → disabled), and its volume-creation credits.
 */
public final class FastSnapshotRestores {
    /** "You can enable up to 5 snapshots for fast snapshot restore per Region" (EBS User Guide, FSR; FIGURES.md). */
    public static final int SNAPSHOTS_PER_REGION = 5;
    /** AWS documents no time for the enabling state; an estimate, long enough to be seen. */
    static final long ENABLING_MILLIS = 60_000;
    /** "It takes 60 minutes per TiB to optimize a snapshot" (EBS User Guide, "Check the fast snapshot restore state"). */
    static final long OPTIMIZING_MILLIS_PER_TIB = 60 * 60_000;
    /** AWS documents no time for disabling; an estimate. */
    static final long DISABLING_MILLIS = 30_000;
    /**
     * Volume-creation credits per hour, and the bucket's size: min(10, 1024 / snapshot GiB) (FIGURES.md; EBS User
     * Guide, "fast snapshot restore volume creation credits"). The simulator starts the bucket full when FSR is
     * enabled: an assumption.
     */
    static double creditsPerHour(int snapshotGiB) {
        return Math.min(10, 1024.0 / Math.max(1, snapshotGiB));
    }

    /** One snapshot × AZ; times of the states it entered, null for those it has not. */
    public static final class Entry {
        final String snapshotId;
        final String availabilityZone;
        final int snapshotGiB;
        final long enablingAt;
        final long optimizingAt;
        final long enabledAt;
        Long disablingAt;
        private double credits;
        private long creditsAt;

        Entry(String snapshotId, String availabilityZone, int snapshotGiB, long now) {
            this.snapshotId = snapshotId;
            this.availabilityZone = availabilityZone;
            this.snapshotGiB = snapshotGiB;
            this.enablingAt = now;
            this.optimizingAt = now + ENABLING_MILLIS;
            this.enabledAt = optimizingAt + (long) (OPTIMIZING_MILLIS_PER_TIB * snapshotGiB / 1024.0);
            this.credits = Math.floor(creditsPerHour(snapshotGiB));
            this.creditsAt = enabledAt;
        }

        public String snapshotId() {
            return snapshotId;
        }

        public String availabilityZone() {
            return availabilityZone;
        }

        public String state(long now) {
            if (disablingAt != null) {
                return now >= disablingAt + DISABLING_MILLIS ? "disabled" : "disabling";
            }
            return now >= enabledAt ? "enabled" : now >= optimizingAt ? "optimizing" : "enabling";
        }

        /** The time the entry entered each state it has reached by {@code now}, in order. */
        public Map<String, Instant> stateTimes(long now) {
            Map<String, Instant> times = new LinkedHashMap<>();
            times.put("enabling", Instant.ofEpochMilli(enablingAt));
            long end = disablingAt == null ? now : Math.min(now, disablingAt);
            if (end >= optimizingAt) {
                times.put("optimizing", Instant.ofEpochMilli(optimizingAt));
            }
            if (end >= enabledAt) {
                times.put("enabled", Instant.ofEpochMilli(enabledAt));
            }
            if (disablingAt != null) {
                times.put("disabling", Instant.ofEpochMilli(disablingAt));
                if (now >= disablingAt + DISABLING_MILLIS) {
                    times.put("disabled", Instant.ofEpochMilli(disablingAt + DISABLING_MILLIS));
                }
            }
            return times;
        }

        /** A volume created now gets FSR when the entry is enabled and holds a whole credit, which it spends. */
        boolean takeCredit(long now) {
            if (!state(now).equals("enabled")) {
                return false;
            }
            double perHour = creditsPerHour(snapshotGiB);
            credits = Math.min(Math.floor(perHour), credits + (now - creditsAt) / 3_600_000.0 * perHour);
            creditsAt = now;
            if (credits < 1) {
                return false;
            }
            credits -= 1;
            return true;
        }
    }

    /** Why one snapshot × AZ could not change: EC2's {@code Unsuccessful} item. */
    public record Failure(String snapshotId, String availabilityZone, String code, String message) {}

    public record Outcome(List<Entry> successful, List<Failure> unsuccessful) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private static String key(String snapshotId, String availabilityZone) {
        return snapshotId + "/" + availabilityZone;
    }

    Outcome enable(List<Snapshot> snapshots, List<String> availabilityZones, long now) {
        List<Entry> successful = new ArrayList<>();
        List<Failure> unsuccessful = new ArrayList<>();
        for (Snapshot snapshot : snapshots) {
            boolean counted = activeSnapshots(now).contains(snapshot.id());
            for (String zone : availabilityZones) {
                Entry existing = entries.get(key(snapshot.id(), zone));
                if (existing != null && existing.disablingAt == null) {
                    successful.add(existing);
                    continue;
                }
                if (!counted && activeSnapshots(now).size() >= SNAPSHOTS_PER_REGION) {
                    // The code of this Unsuccessful item is the simulator's: AWS documents the limit, not the code.
                    unsuccessful.add(new Failure(snapshot.id(), zone, "FastSnapshotRestoreLimitExceeded",
                            "You can enable fast snapshot restore for up to " + SNAPSHOTS_PER_REGION
                                    + " snapshots per Region."));
                    continue;
                }
                Entry entry = new Entry(snapshot.id(), zone, snapshot.volumeSizeGiB(), now);
                entries.put(key(snapshot.id(), zone), entry);
                successful.add(entry);
                counted = true;
            }
        }
        return new Outcome(successful, unsuccessful);
    }

    Outcome disable(List<String> snapshotIds, List<String> availabilityZones, long now) {
        List<Entry> successful = new ArrayList<>();
        List<Failure> unsuccessful = new ArrayList<>();
        for (String snapshotId : snapshotIds) {
            for (String zone : availabilityZones) {
                Entry entry = entries.get(key(snapshotId, zone));
                if (entry == null) {
                    unsuccessful.add(new Failure(snapshotId, zone, "InvalidParameterValue",
                            "Fast snapshot restore is not enabled for snapshot " + snapshotId + " in " + zone + "."));
                    continue;
                }
                if (entry.disablingAt == null) {
                    entry.disablingAt = now;
                }
                successful.add(entry);
            }
        }
        return new Outcome(successful, unsuccessful);
    }

    /** FSR stops with the snapshot: "When you delete a snapshot that you own, fast snapshot restore is automatically disabled" (EBS User Guide). */
    void snapshotDeleted(String snapshotId) {
        entries.values().removeIf(e -> e.snapshotId.equals(snapshotId));
    }

    /** Whether a volume created now from the snapshot in the zone is fast-restored (spending a credit). */
    boolean restoresFast(String snapshotId, String availabilityZone, long now) {
        return Optional.ofNullable(entries.get(key(snapshotId, availabilityZone))).map(e -> e.takeCredit(now))
                .orElse(false);
    }

    public List<Entry> all() {
        return List.copyOf(entries.values());
    }

    /** The limit counts snapshots in any FSR state but disabled. */
    private List<String> activeSnapshots(long now) {
        return entries.values().stream().filter(e -> !e.state(now).equals("disabled")).map(e -> e.snapshotId)
                .distinct().toList();
    }
}
