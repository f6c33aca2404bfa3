package dev.precache.starter;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code 90m}, {@code 3h}, {@code 1h30m}, {@code 45s}, {@code 2d}, or ISO-8601 ({@code PT90M}). */
final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern WHOLE = Pattern.compile("(\\d+[smhd])+");
  private static final Pattern PART = Pattern.compile("(\\d+)([smhd])");

  @Override
  public Duration convert(String value) {
    String text = value.trim().toLowerCase();
    if (text.startsWith("p")) {
      try {
        return Duration.parse(text.toUpperCase());
      } catch (RuntimeException e) {
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
