package dev.precache.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The chaos suite's table: one row per case, printed when the suite ends and appended as it goes to
 * {@code target/chaos-figures.txt}, which {@code bench/chaos} prints.
 */
final class ChaosFigures {
  static final Path FILE = Path.of("target", "chaos-figures.txt");
  private static final String FORMAT = "%-13s %-44s %-10s %8s %10s %9s %5s %5s  %s%n";

  /**
   * @param seconds       wall time of the case, from the first build's start to the last assertion
   * @param activities    activities the builds ran to their end (one per ActivityTaskStarted event)
   * @param attempts      attempts those took: more than activities when a kill or a fault forced retries
   * @param pullCommands  pull Run Commands sent, all images and builds
   * @param snapshots     snapshots that exist once the case is over
   */
  record Row(String kind, String name, String outcome, double seconds, int activities, int attempts,
      int pullCommands, int snapshots, String note) {
    String format() {
      return String.format(Locale.ROOT, FORMAT, kind, name, outcome, String.format(Locale.ROOT, "%.1f s", seconds),
          activities, attempts, pullCommands, snapshots, note);
    }
  }

  private final List<Row> rows = new ArrayList<>();

  static String header() {
    return String.format(Locale.ROOT, FORMAT, "kind", "case", "outcome", "time", "activities", "attempts", "pulls",
        "snaps", "note");
  }

  synchronized void add(Row row) {
    rows.add(row);
    System.out.print("chaos: " + row.format());
    try {
      Files.createDirectories(FILE.getParent());
      if (!Files.exists(FILE)) {
        Files.writeString(FILE, header(), StandardCharsets.UTF_8);
      }
      Files.writeString(FILE, row.format(), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  synchronized String table() {
    StringBuilder table = new StringBuilder(header());
    rows.forEach(row -> table.append(row.format()));
    return table.toString();
  }
}
