package dev.precache.simulator.registry;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The third-party clients these tests run (as integration-tests' RequiredTool does): a missing one skips the
 * tests locally, loudly; in CI ({@code CI=true}) it fails them.
 */
final class RequiredTool {
  private RequiredTool() {}

  /** {@code name} on PATH, else the first executable of {@code fallbacks}. */
  static Path onPathOr(String name, List<Path> fallbacks) {
    List<Path> candidates = new ArrayList<>();
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, name));
      }
    }
    candidates.addAll(fallbacks);
    return candidates.stream().filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst()
        .orElseGet(() -> missing(name + " (searched PATH, " + fallbacks + ")"));
  }

  private static Path missing(String what) {
    String message = "REQUIRED TOOL MISSING: " + what + "; run .ci/install-tools";
    System.err.println("*".repeat(message.length()) + "\n" + message + "\n" + "*".repeat(message.length()));
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(message + " (CI=true: these tests must not be skipped)");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable: Assumptions.abort always throws");
  }
}
