package dev.precache.starter;

import java.util.regex.Pattern;

/**
 * What Temporal and precache need of a schedule's ID and notes, checked before anything is sent: a server
 * refusal arrives as a raw gRPC error (a 10 MB note: "message larger than max"), and a bad ID makes bad
 * workflow IDs.
 */
final class ScheduleRules {
  /**
   * Each run's workflow ID is {@code precache-<id>-<scheduled time>}: letters, digits, '.', '_' and '-' keep it
   * readable and quotable in visibility queries, and 200 keeps it far below Temporal's 1,000 ({@code limit.maxIDLength}).
   */
  private static final Pattern SCHEDULE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
  /** A note says why a schedule is paused: a sentence, far below gRPC's 4 MiB message limit. */
  static final int MAX_NOTE = 1000;

  private ScheduleRules() {}

  /** @throws IllegalArgumentException naming SCHEDULE_ID */
  static void requireScheduleId(String scheduleId) {
    if (scheduleId == null || !SCHEDULE_ID.matcher(scheduleId).matches()) {
      throw new IllegalArgumentException("invalid SCHEDULE_ID: must be 1 to 200 letters, digits, '.', '_' and '-', "
          + "starting with a letter or digit, got '" + scheduleId + "'");
    }
  }

  /** @throws IllegalArgumentException naming --note */
  static void requireNote(String note) {
    if (note != null && note.length() > MAX_NOTE) {
      throw new IllegalArgumentException("invalid --note: at most " + MAX_NOTE + " characters, got " + note.length());
    }
  }
}
