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
  void eachWaitStartsShortAgain() {
    Polling polling = new Polling(Duration.ofSeconds(5));
    Polling.Wait first = polling.newWait();
    Stream.generate(first::nextPause).limit(4).forEach(pause -> { });

    assertThat(polling.newWait().nextPause()).isEqualTo(Duration.ofSeconds(1));
  }
}
