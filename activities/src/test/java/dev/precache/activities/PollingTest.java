package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;

class PollingTest {

  @Test
  void aWaitLooksTwiceAfterAFifthOfTheIntervalThenBacksOffToIt() {
    Polling.Wait wait = new Polling(Duration.ofSeconds(5)).newWait();

    List<Duration> pauses = Stream.generate(wait::nextPause).limit(6).toList();

    assertThat(pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofSeconds(5));
  }

  @Test
  void aThrottledCallBacksOffFromAFifthOfTheIntervalToTheIntervalAtMostTenSeconds() {
    assertThat(backoffs(new Polling(Duration.ofSeconds(5)), THROTTLED, 5)).containsExactly(Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofSeconds(5));
    assertThat(backoffs(new Polling(Duration.ofMillis(50)), THROTTLED, 4)).containsExactly(Duration.ofMillis(10),
        Duration.ofMillis(20), Duration.ofMillis(40), Duration.ofMillis(50));
    assertThat(backoffs(new Polling(Duration.ofSeconds(20)), THROTTLED, 4)).containsExactly(
        Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(10), Duration.ofSeconds(10));
  }

  @Test
  void theBackoffDoublesPerRefusalFromTheBaseOfTheLastRefusalsKind() {
    Polling polling = new Polling(Duration.ofSeconds(5));

    // A 5xx after two throttled tries waits as a third 5xx would; throttling after two 5xx as a third throttle.
    assertThat(polling.backoff(3, SERVER_ERROR)).isEqualTo(Duration.ofMillis(400));
    assertThat(polling.backoff(3, THROTTLED)).isEqualTo(Duration.ofSeconds(4));
    assertThat(polling.backoff(1000, SERVER_ERROR)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void theSdksOwnAttemptsWithinARefusedTryCountAsRefusals() {
    assertThat(Polling.attempts(SdkServiceException.builder().statusCode(503).numAttempts(3).build())).isEqualTo(3);
    assertThat(Polling.attempts(SdkClientException.create("timed out"))).isEqualTo(1);
  }

  @Test
  void aPauseAfterARefusalIsFullyJittered() {
    Duration backoff = Duration.ofSeconds(4);

    List<Duration> pauses = Stream.generate(() -> Polling.jittered(backoff)).limit(200).toList();

    assertThat(pauses).allMatch(pause -> !pause.isNegative() && pause.compareTo(backoff) <= 0)
        .anyMatch(pause -> pause.compareTo(Duration.ofSeconds(1)) < 0)
        .anyMatch(pause -> pause.compareTo(Duration.ofSeconds(3)) > 0);
  }

  @Test
  void aCallRefusedWithA5xxTriesAgainSoonerThanAThrottledOneAsTheSdkDoes() {
    Polling polling = new Polling(Duration.ofSeconds(5));

    assertThat(polling.firstBackoff(SERVER_ERROR)).isEqualTo(Duration.ofMillis(100));
    assertThat(polling.firstBackoff(THROTTLED)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoffs(polling, SdkClientException.create("timed out"), 8))
        .startsWith(Duration.ofMillis(100), Duration.ofMillis(200)).endsWith(Duration.ofSeconds(5));
  }

  private static final SdkServiceException THROTTLED = SdkServiceException.builder().statusCode(429).build();
  private static final SdkServiceException SERVER_ERROR = SdkServiceException.builder().statusCode(500).build();

  private static List<Duration> backoffs(Polling polling, SdkException refusal, int count) {
    return IntStream.rangeClosed(1, count).mapToObj(refused -> polling.backoff(refused, refusal)).toList();
  }

  @Test
  void aPollThatTookLongerThanThePauseIsFollowedByTheNextAtOnce() throws InterruptedException {
    Polling.Wait wait = new Polling(Duration.ofMillis(500)).newWait();

    Thread.sleep(150); // a poll ridden out through refusals, longer than the first pause (100 ms)

    assertThat(wait.nextSleep()).isZero();
    assertThat(new Polling(Duration.ofMillis(500)).newWait().nextSleep())
        .isGreaterThan(Duration.ZERO).isLessThanOrEqualTo(Duration.ofMillis(100));
  }

  @Test
  void sharedWaitsPollTogetherOnAGridOfTheirPause() throws InterruptedException {
    Polling polling = new Polling(Duration.ofMillis(500));
    Polling.Wait early = polling.newSharedWait();
    Thread.sleep(37);
    Polling.Wait late = polling.newSharedWait();

    // Both wake at the same next multiple of the first pause (100 ms), however far apart they began.
    long earlyWakes = System.nanoTime() + early.nextSleep().toNanos();
    long lateWakes = System.nanoTime() + late.nextSleep().toNanos();
    assertThat(Math.abs(lateWakes - earlyWakes)).isLessThan(Duration.ofMillis(5).toNanos());
    assertThat(Duration.ofNanos(lateWakes - System.nanoTime())).isLessThanOrEqualTo(Duration.ofMillis(100));
  }

  @Test
  void aSharedWaitKeepsItsFirstPauseAndAnOrdinaryOneBacksOffToTheInterval() {
    Polling polling = new Polling(Duration.ofSeconds(5));
    Polling.Wait shared = polling.newSharedWait();
    Polling.Wait ordinary = polling.newWait();

    assertThat(Stream.generate(shared::nextPause).limit(6).toList()).containsOnly(Duration.ofSeconds(1));
    assertThat(Stream.generate(ordinary::nextPause).limit(6).toList()).endsWith(Duration.ofSeconds(4),
        Duration.ofSeconds(5), Duration.ofSeconds(5));
  }

  @Test
  void eachWaitStartsShortAgain() {
    Polling polling = new Polling(Duration.ofSeconds(5));
    Polling.Wait first = polling.newWait();
    Stream.generate(first::nextPause).limit(4).forEach(pause -> { });

    assertThat(polling.newWait().nextPause()).isEqualTo(Duration.ofSeconds(1));
  }
}
