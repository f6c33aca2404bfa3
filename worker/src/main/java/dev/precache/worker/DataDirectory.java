package dev.precache.worker;

import java.nio.file.Path;
import java.util.Locale;

/** Where precache keeps local state: the user's data directory, as each OS names it, then {@code precache}. */
final class DataDirectory {
  private DataDirectory() {}

  static Path precache() {
    String home = System.getProperty("user.home");
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.contains("mac")) {
      return Path.of(home, "Library", "Application Support", "precache");
    }
    if (os.contains("win")) {
      String appData = System.getenv("LOCALAPPDATA");
      return Path.of(appData != null ? appData : home, "precache");
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(home, ".local", "share")).resolve("precache");
  }
}
