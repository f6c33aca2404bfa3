package dev.precache.starter;

import picocli.CommandLine;

/** {@code --version}: the version the jar was built as. */
final class PrecacheVersion implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = PrecacheCli.class.getPackage().getImplementationVersion();
    return new String[] {"precache " + (version == null ? "(development build, not from a jar)" : version)};
  }
}
