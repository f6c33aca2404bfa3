package dev.precache.activities;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Paces the wait loops of the activities: each round heartbeats what is being waited for, then sleeps. The
 * heartbeat is what makes a wait safe: it fails the activity once Temporal has given up on it (timeout,
 * cancellation), and its details let a retry resume.
 */
final class Polling {

  private static final Logger log = LoggerFactory.getLogger(Polling.class);

  /** The longest pause between two tries of a call that AWS keeps refusing: backoff, capped. */
  static final Duration MAX_READ_BACKOFF = Duration.ofSeconds(10);
  /**
   * How often a call in progress heartbeats: well inside the heartbeat timeout, as one call may spend that long in
   * the SDK's own retries and their backoff while AWS throttles (bounded by the clients' call timeout).
   */
  static final Duration HEARTBEAT_DURING_CALL = Duration.ofSeconds(5);
  private static final ScheduledExecutorService HEARTBEATS = Executors.newSingleThreadScheduledExecutor(task -> {
    Thread thread = new Thread(task, "precache-call-heartbeats");
    thread.setDaemon(true);
    return thread;
  });

  private final Duration interval;

  Polling(Duration interval) {
    this.interval = interval;
  }

  Duration interval() {
    return interval;
  }

  /** A new wait: its pauses start short and back off, see {@link Wait}. */
  Wait newWait() {
    return new Wait(false, interval);
  }

  /**
   * A new wait for something other waits on this worker wait for too ({@link SharedCalls}): as {@link #newWait}, but
   * its polls fall on whole multiples of its pause on the worker's clock, so waiters with the same pause poll together
   * and share one call instead of each polling at its own phase. It still polls at most once per pause, after one
   * shorter pause that brings it onto the grid. Its pauses do not grow: the builder stack it waits for comes before
   * the build's own stack in the same step, so a first build sees it done within a second and its own stack within
   * a poll after that. That costs one look a second while a region's builder stack is made or updated (once per
   * precache version), shared by every build of the worker that waits for it.
   */
  Wait newSharedWait() {
    return new Wait(true, interval.dividedBy(5));
  }

  /** The origin of the grid shared waits poll on: any instant, the same for the whole worker. */
  private static final long SHARED_GRID_ORIGIN = System.nanoTime();

  /**
   * The pauses of one wait loop: the first two a fifth of the poll interval (1 s of the production 5 s), each next
   * twice the last up to the interval, so that a state that changes soon (a command of a second or two, a stack
   * that is almost done) is seen within about a second, and a long wait still polls once per interval. One build polls
   * each of its waits at most once a second: far inside EC2's throttle for Describe calls (a bucket of 100,
   * refilled at 20 per second per account, "Request throttling for the Amazon EC2 API", EC2 API reference).
   */
  final class Wait {
    private final boolean onSharedGrid;
    private final Duration longest;
    private Duration next = interval.dividedBy(5);
    private int pauses;
    /** When the wait began or its last pause ended: when its latest poll began. */
    private long pollStartedNanos = System.nanoTime();

    private Wait(boolean onSharedGrid, Duration longest) {
      this.onSharedGrid = onSharedGrid;
      this.longest = longest;
    }

    void pause(Object details) {
      heartbeatAndWait(details, nextSleep());
      pollStartedNanos = System.nanoTime();
    }

    /**
     * The next pause less the time since the latest poll began: pauses are counted from poll to poll, so time spent
     * riding out refusals ({@link #untilAnswered}) is not waited again on top. On a quiet cloud a poll takes
     * milliseconds and this is the pause; at bench/api-storm's 0.5 + 0.5 a poll spends about as long in backoff as a
     * pause lasts, and waiting both doubled how late a wait saw what it waited for.
     */
    Duration nextSleep() {
      Duration pause = nextPause();
      long now = System.nanoTime();
      if (onSharedGrid) {
        return Duration.ofNanos(pause.toNanos() - Math.floorMod(now - SHARED_GRID_ORIGIN, pause.toNanos()));
      }
      Duration polling = Duration.ofNanos(now - pollStartedNanos);
      return pause.compareTo(polling) > 0 ? pause.minus(polling) : Duration.ZERO;
    }

    Duration nextPause() {
      Duration pause = next;
      if (++pauses > 1) {
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(longest) > 0 ? longest : doubled;
      }
      return pause;
    }
  }

  /**
   * Whether the running activity is on its first attempt, which no other attempt preceded. Temporal counts attempts
   * from 1; a test environment that reports none (0) counts as a retry, so that a retry's lookups can be tested there.
   */
  static boolean isFirstAttempt() {
    return Activity.getExecutionContext().getInfo().getAttempt() == 1;
  }

  void heartbeatAndWait(Object details, Duration pause) {
    Activity.getExecutionContext().heartbeat(details);
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while polling", e);
    }
  }

  /**
   * One call of a wait loop, a read or an idempotent request: throttling, 5xx and timeouts are ridden out here,
   * with jittered exponential backoff ({@link #backoff}), heartbeating
   * {@code details} (the loop's own, so a retry still resumes from them), so one refused poll no longer fails the
   * whole wait. A permanent error is thrown at once; the activity's timeouts bound the rest. Not for a call that
   * must not be repeated: a try that timed out may have been done.
   */
  <T> T untilAnswered(String action, Object details, Supplier<T> call) {
    int refused = 0;
    ActivityExecutionContext context = Activity.getExecutionContext();
    while (true) {
      try {
        T result = whileHeartbeating(context, details, call);
        if (refused > 0) {
          log.info("{}: answered after {} refused tries", action, refused);
        }
        return result;
      } catch (SdkException e) {
        ApplicationFailure failure = AwsFailures.classify(action, e);
        if (failure.isNonRetryable()) {
          throw failure;
        }
        refused += attempts(e);
        Duration backoff = backoff(refused, e);
        log.info("{}: {} attempts refused, trying again within {} ms: {}", action, refused, backoff.toMillis(),
            AwsFailures.summary(e));
        heartbeatAndWait(details, jittered(backoff));
      }
    }
  }

  /**
   * A call that must be done once and has no idempotency token (SendCommand, CreateSnapshot), riding out
   * refusals: a throttled call was not done and is made again; after any other transient failure (a 5xx, a
   * timeout) AWS may have done it, so {@code lookUp} (a read, ridden out too) is asked first, and what it finds
   * is the result. A permanent error is thrown at once.
   */
  <T> T once(String action, Object details, Supplier<T> call, Supplier<Optional<T>> lookUp) {
    int refused = 0;
    while (true) {
      try {
        return heartbeating(details, call);
      } catch (SdkException e) {
        ApplicationFailure failure = AwsFailures.classify(action, e);
        if (failure.isNonRetryable()) {
          throw failure;
        }
        refused += attempts(e);
        Duration backoff = backoff(refused, e);
        log.info("{}: refused, trying again within {} ms: {}", action, backoff.toMillis(), AwsFailures.summary(e));
        heartbeatAndWait(details, jittered(backoff));
        if (!isThrottling(e)) {
          Optional<T> done = untilAnswered(action + ": was it done?", details, lookUp);
          if (done.isPresent()) {
            return done.get();
          }
        }
      }
    }
  }

  private static boolean isThrottling(SdkException refusal) {
    return refusal instanceof SdkServiceException service && service.isThrottlingException();
  }

  /**
   * The first pause of a backoff, before full jitter, as the AWS SDK's standard retry mode chooses its base delay
   * (SdkDefaultRetrySetting: 1 s for throttling, 100 ms for other transient errors): a fifth of the poll interval
   * when AWS throttled, a fiftieth (100 ms at the production 5 s) after a 5xx or a timeout, where waiting longer
   * spares AWS nothing.
   */
  Duration firstBackoff(SdkException refusal) {
    return isThrottling(refusal) ? interval.dividedBy(5) : interval.dividedBy(50);
  }

  /**
   * The backoff before the next try of a call whose last {@code refused} attempts were refused, the last with
   * {@code refusal}, before full jitter: as the SDK's standard mode computes it, the base of the last refusal's
   * kind ({@link #firstBackoff}) doubled per refusal, so a 5xx after throttling is not made to wait as long as
   * throttling, nor throttling as briefly as a 5xx; at most one poll interval and {@link #MAX_READ_BACKOFF} (5 s at
   * the production 5 s). At bench/api-storm's 0.5 + 0.5 (three tries in four refused, two of them throttled; the SDK's
   * retry quota spent, so a try is one attempt) a call waits, by those odds, about 4 s of backoff in all on the
   * production clock, where doubling the last pause whatever the refusal, up to two intervals, made it about 8 s.
   */
  Duration backoff(int refused, SdkException refusal) {
    Duration cap = interval.compareTo(MAX_READ_BACKOFF) < 0 ? interval : MAX_READ_BACKOFF;
    Duration backoff = firstBackoff(refusal).multipliedBy(1L << Math.min(refused - 1, 20));
    return backoff.compareTo(cap) > 0 ? cap : backoff;
  }

  /**
   * The attempts a refused try made: the SDK's own retries within it (up to 3, until its retry quota is spent) count
   * as refusals of the call, so the backoff goes on from where the SDK's left off instead of starting over on top of
   * it: one backoff per call, not two stacked.
   */
  static int attempts(SdkException refusal) {
    Integer attempts = refusal.numAttempts();
    return attempts == null ? 1 : Math.max(1, attempts);
  }

  /**
   * One call, tried once, heartbeating {@code details} while it runs: for a call that must not be repeated here
   * but may be slowed down by throttling.
   */
  <T> T heartbeating(Object details, Supplier<T> call) {
    return whileHeartbeating(Activity.getExecutionContext(), details, call);
  }

  /**
   * Runs the call on this thread while another heartbeats the activity, so a call slowed down by throttling does
   * not look like a dead worker. A heartbeat that reports a cancel or a timeout is left to this thread's next one.
   */
  private static <T> T whileHeartbeating(ActivityExecutionContext context, Object details, Supplier<T> call) {
    ScheduledFuture<?> heartbeats = HEARTBEATS.scheduleAtFixedRate(() -> {
      try {
        context.heartbeat(details);
      } catch (RuntimeException reportedLater) {
        // the activity thread's next heartbeat throws it
      }
    }, HEARTBEAT_DURING_CALL.toMillis(), HEARTBEAT_DURING_CALL.toMillis(), TimeUnit.MILLISECONDS);
    try {
      return call.get();
    } finally {
      heartbeats.cancel(false);
    }
  }

  /**
   * "Full jitter", anywhere from nothing to all of {@code backoff}: callers refused together do not come back
   * together, and on average a refused try waits half the backoff ("Exponential Backoff And Jitter", AWS
   * Architecture Blog, 2015: of the jitters compared, the least work and the soonest done).
   */
  static Duration jittered(Duration backoff) {
    return Duration.ofNanos(ThreadLocalRandom.current().nextLong(backoff.toNanos() + 1));
  }
}
