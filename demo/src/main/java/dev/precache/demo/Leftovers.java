package dev.precache.demo;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.ec2.InstanceState;
import dev.precache.simulator.ec2.Volume;
import dev.precache.simulator.ssm.Parameter;
import dev.precache.workflows.BuilderActivities;
import java.util.List;

/**
 * What builds left in the simulated cloud that they should not have: stacks not deleted, instances not
 * terminated, volumes, registry credentials parked under {@value #CREDENTIALS_PATH}, and snapshots that never
 * completed. A finished build's own snapshot is not a leftover, nor is the region's builder stack
 * ({@value BuilderActivities#STACK_NAME}), which builds share and never delete.
 */
public record Leftovers(
    List<String> stacks, List<String> instances, List<String> volumes, List<String> credentials,
    List<String> incompleteSnapshots, boolean builderStackKept) {

  public static final String CREDENTIALS_PATH = "/precache/builds/";

  public static Leftovers in(Cloud cloud) {
    synchronized (cloud) {
      long now = cloud.advance();
      return new Leftovers(
          cloud.allStacks().stream().filter(s -> !s.status().equals("DELETE_COMPLETE"))
              .filter(s -> !s.name().equals(BuilderActivities.STACK_NAME))
              .map(s -> s.name() + " " + s.status()).toList(),
          cloud.allInstances().stream().filter(i -> i.state() != InstanceState.TERMINATED)
              .map(i -> i.instanceId() + " " + i.state().apiName()).toList(),
          cloud.allVolumes().stream().map(Volume::id).toList(),
          cloud.regions().values().stream()
              .flatMap(region -> region.ssm().parametersByPath(CREDENTIALS_PATH, true).stream())
              .map(Parameter::name).toList(),
          cloud.allSnapshots().stream().filter(s -> !s.progress(now).status().equals("completed"))
              .map(s -> s.id() + " " + s.progress(now).status()).toList(),
          cloud.allStacks().stream().anyMatch(s -> s.name().equals(BuilderActivities.STACK_NAME)
              && !s.status().equals("DELETE_COMPLETE")));
    }
  }

  public boolean none() {
    return stacks.isEmpty() && instances.isEmpty() && volumes.isEmpty() && credentials.isEmpty()
        && incompleteSnapshots.isEmpty();
  }

  /** The line the demo ends with: the counts, and what is left when something is. */
  public String summary() {
    String counts = stacks.size() + " build stacks, " + instances.size() + " running instances, " + volumes.size()
        + " volumes";
    String kept = builderStackKept ? " (the builder stack " + BuilderActivities.STACK_NAME + " stays for the next"
        + " build; `precache setup --delete` removes it)" : "";
    return none() ? "nothing left behind: " + counts + kept : "LEFT BEHIND: " + counts + " — " + this;
  }
}
