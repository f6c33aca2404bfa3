package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PullScheduleTest {

  @Test
  void pullsGoClientSideOnlyWhenMoreThanOneRunsAtOnce() {
    assertThat(PullSchedule.clientSide(4, 5)).isTrue();
    assertThat(PullSchedule.clientSide(2, 2)).isTrue();
    // One at a time, or a single pull whatever the parallelism: the transfer service's 3 downloads are its own.
    assertThat(PullSchedule.clientSide(1, 5)).isFalse();
    assertThat(PullSchedule.clientSide(8, 1)).isFalse();
  }
}
