package dev.precache.it;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The executables these tests start. A missing one skips the tests locally, loudly; in CI ({@code CI=true}) it
 * fails them, because a CI run that skips its integration tests proves nothing.
 */
final class RequiredTool {
  private static final String INSTALL_HINT = "run .ci/install-tools";

  private RequiredTool() {}

  /** {@code name} on PATH, else the first executable of {@code fallbacks}. */
  static Path onPathOr(String name, List<Path> fallbacks) {
    List<Path> candidates = new ArrayList<>();
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, name));
      }
    }
    candidates.addAll(fallbacks);
    String searched = fallbacks.isEmpty() ? "PATH" : "PATH, " + fallbacks;
    return firstExecutable(candidates).orElseGet(() -> missing(name + " (searched " + searched + ")"));
  }

  /** Exactly this executable: for tools where whatever comes first on PATH may be the wrong one. */
  static Path at(Path executable) {
    return firstExecutable(List.of(executable)).orElseGet(() -> missing(executable.toString()));
  }

  private static Optional<Path> firstExecutable(List<Path> candidates) {
    return candidates.stream().filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
  }

  private static Path missing(String what) {
    String message = "REQUIRED TOOL MISSING: " + what + "; " + INSTALL_HINT;
    System.err.println("*".repeat(message.length()) + "\n" + message + "\n" + "*".repeat(message.length()));
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(message + " (CI=true: integration tests must not be skipped)");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable: Assumptions.abort always throws");
  }
}
