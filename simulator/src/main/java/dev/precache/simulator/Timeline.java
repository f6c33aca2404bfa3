package dev.precache.simulator;

import java.util.PriorityQueue;
import java.util.function.LongConsumer;

/**
 * Scheduled state changes, applied lazily: before each request the cloud runs every action that is due,
 * in time order, each with its own scheduled time. No background threads, so the outcome depends only
 * on the times at which the cloud is observed.
 */
public final class Timeline {
    private record Entry(long atMillis, long sequence, LongConsumer action) {}

    private final PriorityQueue<Entry> pending = new PriorityQueue<>((a, b) -> a.atMillis != b.atMillis
            ? Long.compare(a.atMillis, b.atMillis) : Long.compare(a.sequence, b.sequence));
    private long sequence;

    /** Runs {@code action} with its scheduled time once simulated time reaches {@code atMillis}. */
    public void at(long atMillis, LongConsumer action) {
        pending.add(new Entry(atMillis, sequence++, action));
    }

    public void runDue(long nowMillis) {
        while (!pending.isEmpty() && pending.peek().atMillis <= nowMillis) {
            Entry due = pending.poll();
            due.action.accept(due.atMillis);
        }
    }

    public void clear() {
        pending.clear();
    }
}
