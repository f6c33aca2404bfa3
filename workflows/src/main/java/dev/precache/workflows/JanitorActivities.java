package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** Finding and removing what builds left in AWS. */
@ActivityInterface
public interface JanitorActivities {

  /**
   * Everything of this region precache tagged with a build: build stacks ({@code precache-*} with
   * {@code precache:build-id}; never the builder stack), instances not terminated and volumes with
   * {@code precache:build-id}, parameters under {@code /precache/builds/}, snapshots tagged
   * {@code precache:state=failed}. Nothing untagged.
   */
  List<Leftover> findLeftovers(String region);

  /** Removes it and, for a stack, waits until it is gone (heartbeating); one already gone is fine. */
  void removeLeftover(Leftover leftover);
}
