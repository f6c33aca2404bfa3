package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
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
  void aThrottledCallBacksOffFromAFifthOfTheIntervalToTwiceItAtMostTenSeconds() {
    assertThat(backoffs(new Polling(Duration.ofSeconds(5)), 6)).containsExactly(Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(10),
        Duration.ofSeconds(10));
    assertThat(backoffs(new Polling(Duration.ofMillis(50)), 5)).containsExactly(Duration.ofMillis(10),
        Duration.ofMillis(20), Duration.ofMillis(40), Duration.ofMillis(80), Duration.ofMillis(100));
    assertThat(backoffs(new Polling(Duration.ofSeconds(8)), 4)).containsExactly(
        Duration.ofMillis(1600), Duration.ofMillis(3200), Duration.ofMillis(6400), Duration.ofSeconds(10));
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

    assertThat(polling.firstBackoff(SdkServiceException.builder().statusCode(500).build()))
        .isEqualTo(Duration.ofMillis(100));
    assertThat(polling.firstBackoff(THROTTLED)).isEqualTo(Duration.ofSeconds(1));
    assertThat(Stream.iterate(polling.firstBackoff(SdkClientException.create("timed out")), polling::backoffAfter)
        .limit(8).toList()).startsWith(Duration.ofMillis(100), Duration.ofMillis(200)).endsWith(Duration.ofSeconds(10));
  }

  private static final SdkServiceException THROTTLED = SdkServiceException.builder().statusCode(429).build();

  private static List<Duration> backoffs(Polling polling, int count) {
    return Stream.iterate(polling.firstBackoff(THROTTLED), polling::backoffAfter).limit(count).toList();
  }

  @Test
  void eachWaitStartsShortAgain() {
    Polling polling = new Polling(Duration.ofSeconds(5));
    Polling.Wait first = polling.newWait();
    Stream.generate(first::nextPause).limit(4).forEach(pause -> { });

    assertThat(polling.newWait().nextPause()).isEqualTo(Duration.ofSeconds(1));
  }
}
