package dev.precache.simulator;

import java.util.HexFormat;
import java.util.UUID;

/** Deterministic AWS-shaped identifiers: a prefix and a counter, hashed so IDs look random but repeat per run. */
public final class Ids {
    private long counter;

    public synchronized String next(String prefix) {
        return next(prefix, 17);
    }

    public synchronized String next(String prefix, int hexDigits) {
        long n = ++counter;
        long mixed = n * 0x9E3779B97F4A7C15L ^ (n << 29);
        String hex = HexFormat.of().toHexDigits(mixed) + HexFormat.of().toHexDigits(Long.reverse(mixed));
        return prefix + "-" + hex.substring(0, hexDigits);
    }

    public synchronized String uuid() {
        long n = ++counter;
        return new UUID(n * 0x9E3779B97F4A7C15L, ~n * 0xC2B2AE3D27D4EB4FL).toString();
    }

    public synchronized void reset() {
        counter = 0;
    }
}
