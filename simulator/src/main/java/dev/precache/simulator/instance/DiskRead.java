package dev.precache.simulator.instance;

import dev.precache.simulator.instance.Job.Io;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * coreutils {@code dd if=/dev/xvdb of=/dev/null [bs=N[K|M|G]] [count=N]}: the read AWS documents to initialise a
 * volume created from a snapshot ("Initialize Amazon EBS volumes": {@code dd if=/dev/xvdf of=/dev/null bs=1M}).
 * It reads the data volume from its start; how long that takes is the volume's to say (blocks fetched from the
 * snapshot or read at its throughput). Its report on stderr is GNU dd's.
 */
final class DiskRead {
  private static final String DEVICE = "/dev/xvdb";

  private final HostSpec host;
  private final LongSupplier clock;

  DiskRead(HostSpec host, LongSupplier clock) {
    this.host = host;
    this.clock = clock;
  }

  Job create(List<String> args, Io io) {
    String input = null;
    String output = null;
    long blockSize = 512;
    Long count = null;
    for (String arg : args) {
      int equals = arg.indexOf('=');
      String operand = equals < 0 ? arg : arg.substring(0, equals);
      String value = equals < 0 ? "" : arg.substring(equals + 1);
      try {
        switch (operand) {
          case "if" -> input = value;
          case "of" -> output = value;
          case "bs" -> blockSize = size(value);
          case "count" -> count = Long.parseLong(value);
          default -> {
            return Commands.failure(io, 0, 1, "dd: unrecognized operand '" + arg + "'");
          }
        }
      } catch (NumberFormatException e) {
        return Commands.failure(io, 0, 1, "dd: invalid number: '" + value + "'");
      }
    }
    if (input == null || !input.equals(DEVICE)) {
      return Commands.failure(io, 0, 1, "dd: failed to open '" + input + "': No such file or directory"
          + " (the simulated dd reads " + DEVICE + " only)");
    }
    if (output == null || !output.equals("/dev/null")) {
      return Commands.failure(io, 0, 1, "dd: the simulated dd writes to of=/dev/null only");
    }
    long capacity = host.dataVolume().capacityBytes();
    long blocks = count == null ? (capacity + blockSize - 1) / blockSize : Math.min(count, (capacity + blockSize - 1) / blockSize);
    long bytes = Math.min(capacity, blocks * blockSize);
    long millis = host.dataVolume().readMillis(bytes, clock.getAsLong());
    long whole = bytes / blockSize;
    long partial = bytes % blockSize == 0 ? 0 : 1;
    return new TimedJob(io, millis, () -> {
      double seconds = millis / 1000.0;
      io.stderr().append(whole).append('+').append(partial).append(" records in\n")
          .append(whole).append('+').append(partial).append(" records out\n")
          .append(String.format(Locale.ROOT, "%d bytes (%s, %s) copied, %s s, %s/s%n", bytes, decimal(bytes),
              binary(bytes), String.format(Locale.ROOT, "%.3f", seconds), decimal((long) (bytes / Math.max(seconds, 1e-9)))));
      return 0;
    });
  }

  /** GNU's size suffixes: K, M, G are powers of 1024; KB, MB, GB of 1000. */
  private static long size(String text) {
    String upper = text.toUpperCase(Locale.ROOT);
    long multiplier = 1;
    String digits = upper;
    if (upper.endsWith("KB") || upper.endsWith("MB") || upper.endsWith("GB")) {
      multiplier = (long) Math.pow(1000, "KMG".indexOf(upper.charAt(upper.length() - 2)) + 1);
      digits = upper.substring(0, upper.length() - 2);
    } else if (upper.endsWith("K") || upper.endsWith("M") || upper.endsWith("G")) {
      multiplier = 1L << (10 * ("KMG".indexOf(upper.charAt(upper.length() - 1)) + 1));
      digits = upper.substring(0, upper.length() - 1);
    }
    long value = Long.parseLong(digits) * multiplier;
    if (value <= 0) {
      throw new NumberFormatException(text);
    }
    return value;
  }

  private static String decimal(long bytes) {
    return scaled(bytes, 1000, new String[] {"B", "kB", "MB", "GB", "TB"});
  }

  private static String binary(long bytes) {
    return scaled(bytes, 1024, new String[] {"B", "KiB", "MiB", "GiB", "TiB"});
  }

  private static String scaled(long bytes, int base, String[] units) {
    double value = bytes;
    int unit = 0;
    while (value >= base && unit < units.length - 1) {
      value /= base;
      unit++;
    }
    return unit == 0 ? bytes + " " + units[0] : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }
}
