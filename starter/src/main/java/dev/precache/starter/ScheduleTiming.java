package dev.precache.starter;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/**
 * When a schedule builds and what it does about overlaps and missed runs: {@code schedule create}'s timing
 * flags.
 *
 * @param crons         cron expressions ({@code --cron}); their union with the interval is the schedule
 * @param every         interval ({@code --every}), or null
 * @param offset        the interval's offset from the epoch ({@code --offset}), or null
 * @param timeZone      IANA zone the crons are read in ({@code --time-zone}), or null for UTC
 * @param overlap       policy when a build is due while the last still runs
 * @param catchupWindow how late a missed run may still start after an outage, or null for the server's default
 * @param jitter        random delay up to this much per run, or null
 * @param paused        create the schedule paused
 * @param note          why it is paused, or another note on its state; null for none
 */
record ScheduleTiming(List<String> crons, Duration every, Duration offset, String timeZone, Overlap overlap,
    Duration catchupWindow, Duration jitter, boolean paused, String note) {

  /**
   * Checks the timing before anything is created; the message names the flag at fault. Crons are parsed by
   * the server, which says what is wrong with their syntax; here they are only checked to fire at all.
   */
  ScheduleTiming {
    crons = List.copyOf(crons);
    if (crons.isEmpty() && every == null) {
      throw new IllegalArgumentException("a schedule needs --cron or --every");
    }
    ScheduleRules.requireNote(note);
    crons.forEach(CronCalendar::requireFires);
    requirePositive(every, "--every");
    requirePositive(jitter, "--jitter");
    requirePositive(catchupWindow, "--catchup-window");
    if (offset != null) {
      if (every == null) {
        throw new IllegalArgumentException("--offset needs --every");
      }
      if (offset.isNegative() || offset.compareTo(every) >= 0) {
        throw new IllegalArgumentException("invalid --offset: must be at least 0 and less than --every ("
            + BuildWorkflowOptions.human(every) + "), got " + BuildWorkflowOptions.human(offset));
      }
    }
    // Only IANA zone IDs: the server reads them from the tz database, which has no fixed offsets like +02:00.
    if (timeZone != null && !ZoneId.getAvailableZoneIds().contains(timeZone)) {
      throw new IllegalArgumentException("invalid --time-zone: '" + timeZone + "' is not a time zone ID such as "
          + "Europe/Berlin or UTC");
    }
  }

  private static void requirePositive(Duration duration, String flag) {
    if (duration != null && (duration.isZero() || duration.isNegative())) {
      throw new IllegalArgumentException("invalid " + flag + ": must be positive");
    }
  }
}
