package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** The registries images come from, asked before anything is launched. */
@ActivityInterface
public interface RegistryActivities {

  /**
   * Resolves every image × platform from its registry: the digest the reference points to, the platform's
   * manifest, config and layers. Registry credentials (the worker's own for ECR, a docker config file for
   * others) and tokens stay inside the activity. An image or platform that does not exist, or credentials the
   * registry refuses, fail non-retryably naming the image; throttling and 5xx are retried.
   */
  List<ResolvedImage> resolveImages(ResolveSpec spec);

  record ResolveSpec(List<String> images, List<String> platforms) {}
}
