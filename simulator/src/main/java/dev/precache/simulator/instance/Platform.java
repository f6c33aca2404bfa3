package dev.precache.simulator.instance;

import java.util.Locale;

/** OS/architecture strings as containerd's platforms package normalizes them. */
final class Platform {
  static final String AMD64 = "linux/amd64";

  private Platform() {}

  /** "amd64", "x86_64", "linux/amd64" → "linux/amd64"; "arm64", "aarch64", "linux/arm64/v8" → "linux/arm64". */
  static String normalize(String platform) {
    String[] parts = platform.toLowerCase(Locale.ROOT).split("/");
    String os = parts.length > 1 ? parts[0] : "linux";
    String arch = parts.length > 1 ? parts[1] : parts[0];
    arch = switch (arch) {
      case "x86_64", "x86-64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> arch;
    };
    String variant = parts.length > 2 && !(arch.equals("arm64") && parts[2].equals("v8")) ? "/" + parts[2] : "";
    return os + "/" + arch + variant;
  }
}
