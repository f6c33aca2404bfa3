package dev.precache.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Headless Chromium, one short-lived process per page: a DOM dump or a screenshot. The flags keep it from
 * opening any connection but the one to the page; each run gets a fresh profile, deleted afterwards, and
 * leaves its log under {@code target/}.
 */
final class Chromium {
  private static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final List<String> FLAGS = List.of(
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
      "--window-size=1440,900",
      // Lets the single-page app fetch and render before the dump or screenshot is taken.
      "--virtual-time-budget=15000");

  private final Path binary = RequiredTool.at(BINARY);

  /** The DOM of {@code url} after its scripts ran. */
  String dumpDom(URI url) throws InterruptedException {
    Path work = BuildDirectory.newDirectory("chromium-");
    Path dom = work.resolve("dom.html");
    run(work, List.of("--dump-dom", url.toString()), dom);
    try {
      return Files.readString(dom, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A PNG of {@code url} as a 1440×900 window shows it, written to {@code png}. */
  void screenshot(URI url, Path png) throws InterruptedException {
    Path work = BuildDirectory.newDirectory("chromium-");
    run(work, List.of("--screenshot=" + png, url.toString()), work.resolve("stdout.txt"));
    if (!Files.isRegularFile(png)) {
      throw new IllegalStateException("chromium wrote no screenshot to " + png + "; see " + work);
    }
  }

  private void run(Path work, List<String> action, Path stdout) throws InterruptedException {
    Path profile = newProfile();
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(FLAGS);
    command.add("--user-data-dir=" + profile);
    command.addAll(action);
    try {
      ChildProcess chromium = ChildProcess.start("chromium", command, Map.of(), stdout, work.resolve("chromium.log"));
      int exit = chromium.waitFor(TIMEOUT);
      if (exit != 0) {
        throw new IllegalStateException("chromium exited with " + exit + ":\n" + chromium.logTail());
      }
    } finally {
      delete(profile);
    }
  }

  private static Path newProfile() {
    try {
      return Files.createTempDirectory("precache-chromium-profile-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path directory) {
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      System.err.println("cannot delete chromium profile " + directory + ": " + e);
    }
  }
}
