package dev.precache.worker;

import picocli.CommandLine;

/** {@code --version}: the version the jar was built as, or the image (its entrypoint sets precache.version). */
public final class WorkerVersion implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = PrecacheWorker.class.getPackage().getImplementationVersion();
    if (version == null) {
      version = System.getProperty("precache.version");
    }
    return new String[] {"precache worker " + (version == null ? "(development build, not from a jar)" : version)};
  }
}
