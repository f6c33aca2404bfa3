package dev.precache.simulator.instance;

import java.math.BigDecimal;
import java.math.MathContext;

/** docker/go-units as ctr content ls uses it: HumanSize (decimal units, 4 significant digits) and HumanDuration. */
final class GoUnits {
  private static final String[] DECIMAL_UNITS = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};

  private GoUnits() {}

  /** {@code CustomSize("%.4g%s", size, 1000.0, decimapAbbrs)}: 2.2MB, 16.1GB, 571B. */
  static String humanSize(double size) {
    int unit = 0;
    while (size >= 1000 && unit < DECIMAL_UNITS.length - 1) {
      size /= 1000;
      unit++;
    }
    String number = new BigDecimal(size).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    return number + DECIMAL_UNITS[unit];
  }

  static String humanDuration(long millis) {
    long seconds = millis / 1000;
    if (seconds < 1) {
      return "Less than a second";
    }
    if (seconds == 1) {
      return "1 second";
    }
    if (seconds < 60) {
      return seconds + " seconds";
    }
    long minutes = millis / 60_000;
    if (minutes == 1) {
      return "About a minute";
    }
    if (minutes < 60) {
      return minutes + " minutes";
    }
    long hours = Math.round(millis / 3_600_000.0);
    if (hours == 1) {
      return "About an hour";
    }
    if (hours < 48) {
      return hours + " hours";
    }
    if (hours < 24 * 7 * 2) {
      return hours / 24 + " days";
    }
    if (hours < 24 * 30 * 2) {
      return hours / 24 / 7 + " weeks";
    }
    if (hours < 24 * 365 * 2) {
      return hours / 24 / 30 + " months";
    }
    return millis / 3_600_000 / 24 / 365 + " years";
  }
}
