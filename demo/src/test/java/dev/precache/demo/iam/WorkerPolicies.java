package dev.precache.demo.iam;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The worker's permissions: the two managed policies deploy/cloudformation/worker-role.yaml attaches to its role
 * (one would pass IAM's size quota for a managed policy), evaluated together as IAM evaluates a role's policies.
 */
public final class WorkerPolicies {

  /** What a build needs, and the builder stack's IAM with the snapshot lifecycle (janitor, copies, retention). */
  public static final List<Path> FILES = List.of(Path.of("../deploy/iam/worker-policy.json"),
      Path.of("../deploy/iam/worker-lifecycle-policy.json"));

  private WorkerPolicies() {}

  public static IamPolicy read() throws IOException {
    return IamPolicy.read(FILES.toArray(Path[]::new));
  }
}
