package dev.precache.workflows;

import static dev.precache.workflows.BuildActivityStubs.instance;

import dev.precache.workflows.ImagePull.State;
import dev.precache.workflows.InstanceActivities.PullSpec;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowSemaphore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.slf4j.Logger;

/** Every image × platform of a build and where its pull stands; pulling them, so many at a time. */
final class ImagePulls {

  /** The change that hands each pull its resolved layers, so that it heartbeats how far along it is. */
  static final String PULL_PROGRESS = "pull-progress";
  /** The change that pulls client-side ({@code ctr images pull --local}) when pulls run in parallel. */
  static final String CLIENT_SIDE_PULLS = "client-side-pulls";
  private static final Logger log = Workflow.getLogger(ImagePulls.class);
  /** Not TRY_CANCEL: the test server (tests, --dev) hangs on a cancel racing a pull's failure: sdk-java#2391. */
  private static final ActivityOptions PULL = ActivityOptions.newBuilder(BuildTimeouts.PULL_IMAGE)
      .setCancellationType(ActivityCancellationType.ABANDON)
      .build();

  private final List<ImagePull> pulls = new ArrayList<>();

  ImagePulls(BuildRequest request) {
    for (String image : request.images()) {
      for (String platform : request.platforms()) {
        pulls.add(new ImagePull(image, platform, State.PENDING, null, null));
      }
    }
  }

  List<ImagePull> all() {
    return List.copyOf(pulls);
  }

  int size() {
    return pulls.size();
  }

  /** An up-to-date build pulls nothing: every image is already on the snapshot, as resolved. */
  void allAlreadyThere(Preflight preflight) {
    for (int i = 0; i < pulls.size(); i++) {
      ImagePull pull = pulls.get(i);
      pulls.set(i, new ImagePull(pull.image(), pull.platform(), State.DONE, resolved(preflight, pull).digest(), null));
    }
  }

  /**
   * Every image × platform, at most the request's parallelism at a time, the largest first when {@code scheduled};
   * the first failure cancels the rest. Pulls queue for the semaphore in the order they start.
   *
   * @param preflight what resolving found, or null for builds before it
   * @param tuning    how the instance's transfer service was set up; null: containerd's defaults, and parallel pulls
   *                  go client-side ({@link #CLIENT_SIDE_PULLS})
   */
  List<CachedImage> pullAll(BuildRequest request, BuildIdentity identity, String instanceId, Preflight preflight,
      boolean scheduled, boolean parallelismRequested, PullTuning tuning, BuildMetrics metrics) {
    int parallelism = request.pullParallelism();
    boolean clientSide = tuning == null && PullSchedule.clientSide(parallelism, pulls.size())
        && Workflow.getVersion(CLIENT_SIDE_PULLS, Workflow.DEFAULT_VERSION, 1) >= 1;
    log.info("pulls: {} at a time{}, {}", parallelism, scheduled && !parallelismRequested ? " (planned)" : "",
        tuning != null ? "through " + tuning.summary()
            : clientSide ? "each downloading every layer at once (ctr --local)"
            : "sharing containerd's 3 downloads (transfer service)");
    List<Integer> order = scheduled
        ? PullSchedule.largestFirst(pulls.stream().map(pull -> resolved(preflight, pull)).toList())
        : IntStream.range(0, pulls.size()).boxed().toList();
    WorkflowSemaphore slots = Workflow.newWorkflowSemaphore(parallelism);
    Map<Integer, Promise<CachedImage>> results = new LinkedHashMap<>();
    Workflow.newCancellationScope((CancellationScope allPulls) -> {
      for (int index : order) {
        results.put(index, Async.function(() -> pullInTurn(index, slots, allPulls,
            new PullSpec(request.region(), instanceId, identity, pulls.get(index).image(),
                pulls.get(index).platform(), null, clientSide), preflight, metrics)));
      }
    }).run();
    Promise.allOf(List.copyOf(results.values())).get();
    return IntStream.range(0, pulls.size()).mapToObj(i -> results.get(i).get()).toList();
  }

  private CachedImage pullInTurn(int index, WorkflowSemaphore slots, CancellationScope allPulls, PullSpec spec,
      Preflight preflight, BuildMetrics metrics) {
    slots.acquire();
    ImagePull pull = pulls.get(index);
    try {
      pulls.set(index, new ImagePull(pull.image(), pull.platform(), State.PULLING, null, null));
      List<ResolvedLayer> layers = preflight != null
          && Workflow.getVersion(PULL_PROGRESS, Workflow.DEFAULT_VERSION, 1) >= 1 ? resolved(preflight, pull).layers()
          : null;
      CachedImage cached = instance(PULL, "pull " + pull.image() + " " + pull.platform())
          .pullImage(new PullSpec(spec.region(), spec.instanceId(), spec.identity(), spec.image(), spec.platform(),
              layers, spec.clientSide()));
      if (preflight != null && !resolved(preflight, pull).digest().equals(cached.digest())) {
        // The tag moved after it was resolved: what is on the volume is not what was sized, checked and recorded.
        throw ApplicationFailure.newNonRetryableFailure(pull.image() + " moved between resolving and pulling: "
            + "resolved " + resolved(preflight, pull).digest() + ", pulled " + cached.digest(),
            BuildFailures.IMAGE_CHANGED);
      }
      pulls.set(index, new ImagePull(pull.image(), pull.platform(), State.DONE, cached.digest(), null));
      metrics.pulled(preflight != null ? resolved(preflight, pull).compressedBytes() : cached.sizeBytes());
      return cached;
    } catch (TemporalFailure pullFailure) {
      boolean cancelled = pullFailure instanceof CanceledFailure || pullFailure.getCause() instanceof CanceledFailure;
      pulls.set(index, cancelled ? pull : new ImagePull(pull.image(), pull.platform(), State.FAILED, null,
          BuildOutcome.describe(BuildOutcome.causeOf(pullFailure))));
      // Transient errors were already retried inside the activity call, so this failure is final for the build.
      allPulls.cancel();
      throw pullFailure;
    } finally {
      slots.release();
    }
  }

  private static ResolvedImage resolved(Preflight preflight, ImagePull pull) {
    return preflight.images().stream()
        .filter(image -> image.image().equals(pull.image()) && image.platform().equals(pull.platform()))
        .findFirst()
        .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
            "the registry's answer has no " + pull.image() + " (" + pull.platform() + ")",
            BuildFailures.REGISTRY_FAILED));
  }
}
