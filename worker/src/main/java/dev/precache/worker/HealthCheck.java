package dev.precache.worker;

/** One check of {@code /livez} or {@code /readyz}: what it looked at, whether it passed, and what it found. */
record HealthCheck(String name, boolean ok, String detail) {
  static HealthCheck passed(String name, String detail) {
    return new HealthCheck(name, true, detail);
  }

  static HealthCheck failed(String name, String detail) {
    return new HealthCheck(name, false, detail);
  }
}
