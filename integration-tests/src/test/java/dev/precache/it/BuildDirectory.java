package dev.precache.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the tests keep what is worth reading after a run (server logs and databases, UI screenshots): under the
 * module's {@code target/}, which CI can publish as artifacts and {@code mvn clean} removes.
 */
final class BuildDirectory {
  /** Surefire runs tests in the module's directory. */
  private static final Path ROOT = Path.of("target");

  private BuildDirectory() {}

  /** A fresh directory under {@code target/it/}, named {@code prefix} plus a unique suffix. */
  static Path newDirectory(String prefix) {
    Path parent = ROOT.resolve("it");
    try {
      Files.createDirectories(parent);
      return Files.createTempDirectory(parent, prefix).toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code relative} under the build directory, its parent created. */
  static Path file(String relative) {
    Path file = ROOT.resolve(relative).toAbsolutePath();
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
