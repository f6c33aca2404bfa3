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

  /** The longest pause between two tries of a read that AWS keeps refusing: backoff, capped. */
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
    return new Wait();
  }

  /**
   * The pauses of one wait loop: the first two a fifth of the poll interval (1 s of the production 5 s), each next
   * twice the last up to the interval, so that a state that changes soon (a command of a second or two, a stack
   * that is almost done) is seen within about a second, and a long wait still polls once per interval. One build polls
   * each of its waits at most once a second: far inside EC2's throttle for Describe calls (a bucket of 100,
   * refilled at 20 per second per account, "Request throttling for the Amazon EC2 API", EC2 API reference).
   */
  final class Wait {
    private Duration next = interval.dividedBy(5);
    private int pauses;

    void pause(Object details) {
      heartbeatAndWait(details, nextPause());
    }

    Duration nextPause() {
      Duration pause = next;
      if (++pauses > 1) {
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(interval) > 0 ? interval : doubled;
      }
      return pause;
    }
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
   * with jittered exponential backoff ({@link #firstBackoff(SdkException)}, {@link #backoffAfter}), heartbeating
   * {@code details} (the loop's own, so a retry still resumes from them), so one refused poll no longer fails the
   * whole wait. A permanent error is thrown at once; the activity's timeouts bound the rest. Not for a call that
   * must not be repeated: a try that timed out may have been done.
   */
  <T> T untilAnswered(String action, Object details, Supplier<T> call) {
    Duration backoff = null;
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
        refused++;
        backoff = backoff == null ? firstBackoff(e) : backoffAfter(backoff);
        log.info("{}: try {} refused, trying again within {} ms: {}", action, refused, backoff.toMillis(),
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
    Duration backoff = null;
    while (true) {
      try {
        return heartbeating(details, call);
      } catch (SdkException e) {
        ApplicationFailure failure = AwsFailures.classify(action, e);
        if (failure.isNonRetryable()) {
          throw failure;
        }
        backoff = backoff == null ? firstBackoff(e) : backoffAfter(backoff);
        log.info("{}: refused, trying again within {} ms: {}", action, backoff.toMillis(), AwsFailures.summary(e));
        heartbeatAndWait(details, jittered(backoff));
        if (!(e instanceof SdkServiceException service && service.isThrottlingException())) {
          Optional<T> done = untilAnswered(action + ": was it done?", details, lookUp);
          if (done.isPresent()) {
            return done.get();
          }
        }
      }
    }
  }

  /**
   * The first pause of a backoff, before full jitter, as the AWS SDK's standard retry mode chooses its base delay
   * (SdkDefaultRetrySetting: 1 s for throttling, 100 ms for other transient errors): a fifth of the poll interval
   * when AWS throttled, a fiftieth (100 ms at the production 5 s) after a 5xx or a timeout, where waiting longer
   * spares AWS nothing. A refused call is one the SDK's own retries, up to 3 attempts until its retry quota is spent,
   * have already given up on.
   */
  Duration firstBackoff(SdkException refusal) {
    return refusal instanceof SdkServiceException service && service.isThrottlingException()
        ? interval.dividedBy(5) : interval.dividedBy(50);
  }

  /**
   * The next pause of a backoff: twice the last, at most two poll intervals and {@link #MAX_READ_BACKOFF} (both
   * 10 s at the production 5 s), so a wait still ends within a poll or two of AWS answering again. The cap keeps
   * that proportion at a simulator's shorter intervals: at eight intervals, under bench/api-storm's 0.5 + 0.5 (three
   * calls in four refused, and the SDK's retry quota spent, so a try is one attempt) an answered call had waited
   * about ten poll intervals on average; with this cap and full jitter, one to two.
   */
  Duration backoffAfter(Duration previous) {
    Duration cap = interval.multipliedBy(2).compareTo(MAX_READ_BACKOFF) < 0 ? interval.multipliedBy(2)
        : MAX_READ_BACKOFF;
    Duration doubled = previous.multipliedBy(2);
    return doubled.compareTo(cap) > 0 ? cap : doubled;
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
