package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PollingTest {

  @Test
  void aWaitLooksTwiceAfterAFifthOfTheIntervalThenBacksOffToIt() {
    Polling.Wait wait = new Polling(Duration.ofSeconds(5)).newWait();

    List<Duration> pauses = Stream.generate(wait::nextPause).limit(6).toList();

    assertThat(pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofSeconds(5));
  }

  @Test
  void aRefusedCallBacksOffFromAFifthOfTheIntervalToTwiceItAtMostTenSeconds() {
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

  private static List<Duration> backoffs(Polling polling, int count) {
    return Stream.iterate(polling.firstBackoff(), polling::backoffAfter).limit(count).toList();
  }

  @Test
  void eachWaitStartsShortAgain() {
    Polling polling = new Polling(Duration.ofSeconds(5));
    Polling.Wait first = polling.newWait();
    Stream.generate(first::nextPause).limit(4).forEach(pause -> { });

    assertThat(polling.newWait().nextPause()).isEqualTo(Duration.ofSeconds(1));
  }
}
