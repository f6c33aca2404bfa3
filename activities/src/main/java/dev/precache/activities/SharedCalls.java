package dev.precache.activities;

import io.temporal.activity.Activity;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One worker's calls about one thing (the builder stack every build waits for, an instance type's family) shared by
 * whoever makes them at the same time: a call in flight serves every caller that comes while it runs, and its answer
 * serves those that come within {@code freshness} of the try that got it; anyone else makes the call. Each call rides
 * out refusals ({@link Polling#untilAnswered}), so a storm that refuses three tries in four costs the callers those
 * tries once, not once each. A caller that just changed the thing (created or updated the stack) asks for an answer
 * newer than its change, and a waiter never gets the same answer twice: no answer older than the freshness, or from
 * before the caller's own change, decides anything. For an idempotent request that callers who saw the same answer
 * would each make (create the missing stack), the request made after a caller's look answers for it, however long
 * ago: only the callers whose look came after it make another. Thread-safe; one flight per key.
 */
final class SharedCalls<K, V> {

  /** What was read and when ({@link System#nanoTime}) the try that read it began: it is at most that old. */
  record Answer<V>(V value, long readAtNanos) {}

  /** For a first read: any answer fresh enough will do. */
  static final long ANY = Long.MIN_VALUE;

  /** For answers that stay true: any newer than the caller asks for, however old. */
  static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

  private final Polling polling;
  private final long freshnessNanos;
  private final Map<K, Slot<V>> slots = new ConcurrentHashMap<>();

  SharedCalls(Polling polling, Duration freshness) {
    this.polling = polling;
    this.freshnessNanos = freshness.toNanos();
  }

  /** The read's flight in progress, if any, and the newest answer; guarded by the slot itself. */
  private static final class Slot<V> {
    private CompletableFuture<Answer<V>> flight;
    private long flightStartedNanos;
    private Answer<V> newest;
  }

  /**
   * An answer read after {@code newerThanNanos} (a {@link System#nanoTime}, or {@link #ANY}) and at most the
   * freshness old, or else that of a read started after {@code newerThanNanos} still in flight, or else a read of
   * its own. A waiter heartbeats {@code details} while another's read runs, so it can be cancelled meanwhile; when
   * that read fails (its caller was cancelled, AWS refused for good) the waiter reads again itself.
   */
  Answer<V> read(K key, long newerThanNanos, String action, Object details, Supplier<V> call) {
    Slot<V> slot = slots.computeIfAbsent(key, any -> new Slot<>());
    while (true) {
      CompletableFuture<Answer<V>> flight;
      boolean leading;
      synchronized (slot) {
        long now = System.nanoTime();
        Answer<V> newest = slot.newest;
        if (newest != null && newest.readAtNanos() > newerThanNanos && now - newest.readAtNanos() <= freshnessNanos) {
          return newest;
        }
        leading = slot.flight == null || slot.flightStartedNanos <= newerThanNanos;
        if (leading) {
          slot.flight = new CompletableFuture<>();
          slot.flightStartedNanos = now;
        }
        flight = slot.flight;
      }
      if (leading) {
        return lead(slot, flight, action, details, call);
      }
      Optional<Answer<V>> shared = follow(flight, details);
      if (shared.isPresent()) {
        return shared.get();
      }
    }
  }

  private Answer<V> lead(Slot<V> slot, CompletableFuture<Answer<V>> flight, String action, Object details,
      Supplier<V> call) {
    Answer<V> answer;
    try {
      answer = polling.untilAnswered(action, details, () -> {
        long triedAt = System.nanoTime();
        return new Answer<>(call.get(), triedAt);
      });
    } catch (RuntimeException | Error e) {
      land(slot, flight, null);
      flight.completeExceptionally(e);
      throw e;
    }
    land(slot, flight, answer);
    flight.complete(answer);
    return answer;
  }

  private static <V> void land(Slot<V> slot, CompletableFuture<Answer<V>> flight, Answer<V> answer) {
    synchronized (slot) {
      if (slot.flight == flight) {
        slot.flight = null;
      }
      if (answer != null && (slot.newest == null || answer.readAtNanos() > slot.newest.readAtNanos())) {
        slot.newest = answer;
      }
    }
  }

  /**
   * Waits for another waiter's read, heartbeating once per poll interval, so a cancel or a timeout Temporal reports
   * is thrown here; empty when that read failed.
   */
  private Optional<Answer<V>> follow(CompletableFuture<Answer<V>> flight, Object details) {
    while (true) {
      Activity.getExecutionContext().heartbeat(details);
      try {
        return Optional.of(flight.get(polling.interval().toNanos(), TimeUnit.NANOSECONDS));
      } catch (TimeoutException stillReading) {
        // heartbeat and go on waiting
      } catch (ExecutionException failed) {
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a shared read", e);
      }
    }
  }
}
