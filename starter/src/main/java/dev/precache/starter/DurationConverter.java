package dev.precache.starter;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads {@code 90m}, {@code 3h}, {@code 1h30m}, {@code 45s}, {@code 2d}, or ISO-8601 ({@code PT90M}), up to
 * {@link #MAX}: no flag of precache means more, and a larger number must not overflow.
 */
final class DurationConverter implements ITypeConverter<Duration> {
  static final Duration MAX = Duration.ofDays(3660);
  private static final Pattern WHOLE = Pattern.compile("(\\d+[smhd])+");
  private static final Pattern PART = Pattern.compile("(\\d+)([smhd])");

  @Override
  public Duration convert(String value) {
    Duration duration;
    try {
      duration = parse(value);
    } catch (ArithmeticException | NumberFormatException e) {
      throw tooLong(value);
    }
    if (duration.compareTo(MAX) > 0) {
      throw tooLong(value);
    }
    return duration;
  }

  private static TypeConversionException tooLong(String value) {
    return new TypeConversionException("'" + value + "' is longer than " + MAX.toDays() + "d");
  }

  private static Duration parse(String value) {
    String text = value.trim().toLowerCase();
    if (text.startsWith("p")) {
      try {
        return Duration.parse(text.toUpperCase());
      } catch (DateTimeParseException e) {
        throw new TypeConversionException("'" + value + "' is not a duration like 90m, 3h or 1h30m");
      }
    }
    if (!WHOLE.matcher(text).matches()) {
      throw new TypeConversionException("'" + value + "' is not a duration like 90m, 3h or 1h30m");
    }
    Duration total = Duration.ZERO;
    Matcher part = PART.matcher(text);
    while (part.find()) {
      long amount = Long.parseLong(part.group(1));
      total = total.plus(switch (part.group(2)) {
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      });
    }
    return total;
  }
}
