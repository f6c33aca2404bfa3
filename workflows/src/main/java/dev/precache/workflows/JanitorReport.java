package dev.precache.workflows;

import java.util.List;

/** What the janitor found, per resource, and what it did. */
public record JanitorReport(boolean dryRun, List<Sweep> resources) {

  public enum Verdict { KEEP, REMOVE, REMOVED }

  /** @param reason why it stays or goes */
  public record Sweep(Leftover leftover, Verdict verdict, String reason) {}

  public List<Sweep> with(Verdict verdict) {
    return resources.stream().filter(sweep -> sweep.verdict() == verdict).toList();
  }
}
