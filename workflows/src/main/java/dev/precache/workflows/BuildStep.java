package dev.precache.workflows;

/**
 * The nine steps of a build, in order; {@code number()} is what the CLI prints as {@code [n/9]}. Builds started
 * before images were resolved first skip step 1.
 */
public enum BuildStep {
  RESOLVE_IMAGES("Resolving images"),
  DEPLOY_STACK("Deploying build instance stack"),
  AWAIT_SSM("Waiting for the SSM agent to come online"),
  PREPARE_CONTAINERD("Stopping kubelet and removing cached images"),
  PULL_IMAGES("Pulling images"),
  VERIFY_IMAGES("Verifying cached images"),
  STOP_INSTANCE("Stopping instance"),
  SNAPSHOT("Creating snapshot"),
  CLEANUP("Deleting stack and publishing");

  private final String title;

  BuildStep(String title) {
    this.title = title;
  }

  public int number() {
    return ordinal() + 1;
  }

  public static int total() {
    return values().length;
  }

  public String title() {
    return title;
  }
}
