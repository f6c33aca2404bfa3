package dev.precache.simulator;

import java.time.Duration;
import java.time.Instant;

/**
 * Simulated time. One scale factor applies to every delay: a simulated delay of {@code d} takes
 * {@code d × scale} of real time, so simulated now = start + realElapsed / scale.
 */
public final class SimClock {
    private final double scale;
    private final long startSimMillis;
    private final long startRealNanos;
    private final long startRealMillis;

    public SimClock(double scale) {
        this(scale, System.currentTimeMillis());
    }

    public SimClock(double scale, long startSimMillis) {
        if (!(scale > 0)) {
            throw new IllegalArgumentException("time scale must be > 0, got " + scale);
        }
        this.scale = scale;
        this.startSimMillis = startSimMillis;
        this.startRealNanos = System.nanoTime();
        this.startRealMillis = System.currentTimeMillis();
    }

    public double scale() {
        return scale;
    }

    public long nowMillis() {
        double realElapsedMillis = (System.nanoTime() - startRealNanos) / 1_000_000.0;
        return startSimMillis + (long) (realElapsedMillis / scale);
    }

    public Instant now() {
        return Instant.ofEpochMilli(nowMillis());
    }

    /** The simulated time at a real wall-clock time (a Temporal event's, say): for the benchmarks' timelines. */
    public long simulatedMillisAt(long realEpochMillis) {
        return startSimMillis + (long) ((realEpochMillis - startRealMillis) / scale);
    }

    /** How long a simulated delay lasts in real time. */
    public Duration realDelay(Duration simulated) {
        return Duration.ofNanos((long) (simulated.toNanos() * scale));
    }
}
