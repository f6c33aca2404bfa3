package dev.precache.simulator.instance;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts as people write them in the catalog ("15.2 GB", "3 MiB") and as ctr prints them ("15.9 GiB"). */
final class ByteSize {
  private static final Pattern SIZE = Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)?\\s*");
  private static final String[] BINARY_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

  private ByteSize() {}

  static long parse(String text) {
    Matcher matcher = SIZE.matcher(text);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("not a size: " + text);
    }
    double number = Double.parseDouble(matcher.group(1));
    String unit = matcher.group(2) == null ? "B" : matcher.group(2).toUpperCase(Locale.ROOT);
    double multiplier = switch (unit) {
      case "KB" -> 1e3;
      case "MB" -> 1e6;
      case "GB" -> 1e9;
      case "TB" -> 1e12;
      case "KIB" -> 1L << 10;
      case "MIB" -> 1L << 20;
      case "GIB" -> 1L << 30;
      case "TIB" -> 1L << 40;
      default -> 1;
    };
    return Math.round(number * multiplier);
  }

  /** containerd's progress.Bytes format: binary units, one decimal. */
  static String human(double bytes) {
    int unit = 0;
    while (bytes >= 1024 && unit < BINARY_UNITS.length - 1) {
      bytes /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", bytes, BINARY_UNITS[unit]);
  }
}
