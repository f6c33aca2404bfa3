package dev.precache.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineTest {
    @Test
    void runsDueActionsInTimeOrderWithTheirOwnTimes() {
        Timeline timeline = new Timeline();
        List<Long> ran = new ArrayList<>();
        timeline.at(300, ran::add);
        timeline.at(100, at -> {
            ran.add(at);
            timeline.at(at + 50, ran::add);
        });
        timeline.runDue(200);
        assertThat(ran).containsExactly(100L, 150L);
        timeline.runDue(1_000);
        assertThat(ran).containsExactly(100L, 150L, 300L);
    }

    @Test
    void clockScalesEveryDelay() {
        SimClock clock = new SimClock(0.01, 0);
        assertThat(clock.realDelay(Duration.ofSeconds(30))).isEqualTo(Duration.ofMillis(300));
        assertThat(clock.nowMillis()).isGreaterThanOrEqualTo(0);
    }
}
