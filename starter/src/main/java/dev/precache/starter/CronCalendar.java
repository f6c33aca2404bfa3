package dev.precache.starter;

import java.time.Month;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * Refuses a five-field cron whose days of the month fall in none of its months ({@code 0 3 31 2 *}): Temporal
 * accepts it and the schedule never runs. Its syntax is left to the server, which parses crons and says what
 * is wrong; only what this class can read for sure is checked, and a day-of-week field other than {@code *}
 * is left alone (cron's day-of-month/day-of-week union then makes it fire).
 */
final class CronCalendar {
  private static final List<String> MONTHS =
      List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec");

  private CronCalendar() {}

  /** @throws IllegalArgumentException naming --cron when {@code cron} can never fire */
  static void requireFires(String cron) {
    String[] fields = cron.strip().split("\\s+");
    if (fields.length != 5 || !(fields[4].equals("*") || fields[4].equals("?"))) {
      return;
    }
    BitSet days = parse(fields[2], 1, 31, List.of());
    BitSet months = parse(fields[3], 1, 12, MONTHS);
    if (days == null || months == null || days.isEmpty() || months.isEmpty()) {
      return;
    }
    for (int month = months.nextSetBit(1); month >= 0; month = months.nextSetBit(month + 1)) {
      int longest = Month.of(month).maxLength(); // 29 for February: leap years
      if (days.nextSetBit(1) <= longest) {
        return;
      }
    }
    throw new IllegalArgumentException("invalid --cron: '" + cron + "' never fires: none of its months has "
        + "day " + days.stream().mapToObj(String::valueOf).reduce((a, b) -> a + "," + b).orElse(""));
  }

  /** The values a field names, or null when it uses syntax not read here. */
  private static BitSet parse(String field, int min, int max, List<String> names) {
    BitSet values = new BitSet();
    for (String item : field.toLowerCase(Locale.ROOT).split(",", -1)) {
      String[] stepped = item.split("/", -1);
      if (stepped.length > 2) {
        return null;
      }
      Integer step = stepped.length == 2 ? number(stepped[1], List.of()) : Integer.valueOf(1);
      int from;
      int to;
      if (stepped[0].equals("*") || stepped[0].equals("?")) {
        from = min;
        to = max;
      } else {
        String[] range = stepped[0].split("-", -1);
        Integer low = range.length <= 2 ? number(range[0], names) : null;
        Integer high = range.length == 2 ? number(range[1], names) : low;
        if (low == null || high == null) {
          return null;
        }
        from = low;
        to = stepped.length == 2 && range.length == 1 ? max : high;
      }
      if (step == null || step < 1 || from < min || to > max || from > to) {
        return null;
      }
      for (int value = from; value <= to; value += step) {
        values.set(value);
      }
    }
    return values;
  }

  private static Integer number(String text, List<String> names) {
    int named = names.indexOf(text);
    if (named >= 0) {
      return named + 1;
    }
    return text.matches("[0-9]{1,2}") ? Integer.valueOf(text) : null;
  }
}
