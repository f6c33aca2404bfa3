package dev.precache.demo;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.instance.Execution;
import dev.precache.simulator.instance.ExecutionStatus;
import dev.precache.simulator.instance.InstanceRuntime;
import dev.precache.simulator.instance.VolumeImage;
import dev.precache.simulator.ssm.SsmModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A build's own pull commands (as sent, each {@code ctr images pull … && ctr images ls …}), replayed on an idle copy
 * of its instance (same type, volume and catalog; the parent snapshot's images already there): how long containerd
 * itself takes for them, with nothing of the control plane (no slots, no SSM round trip, no polls). Two ways to start
 * them: all at once, as precache does; or staggered, largest first as the build orders them, each next one
 * once the one before has every layer in. Staggered is what a scheduler watching {@code ctr content active} could do:
 * containerd shares the network fairly among every layer in flight, so a pull's first layers, which its in-order
 * unpack waits for, arrive only as late as its last; alone, a pull gets its layers in sooner and starts unpacking
 * sooner. Neither is a lower bound.
 */
final class PullReplay {
  /** How the activities comment their pull commands ({@code CommandRunner}: "precache: " and the step). */
  private static final String PULL_COMMENT = "precache: pull ";
  /** Far past any pull the benches make: the replay plays every event up to it. */
  private static final long HORIZON_MILLIS = 48L * 3600 * 1000;
  /**
   * A look this long after a pull started finds its downloads begun, if it has any: ctr resolves for 1.5 s first
   * ({@code PullJob}'s figure).
   */
  private static final long RESOLVED_AFTER_MILLIS = 2_000;
  private static final String CTR = "apiclient exec admin sheltie ctr -a /run/containerd/containerd.sock -n k8s.io ";
  /** {@code ctr content active}'s REF column: {@code layer-<digest>}. */
  private static final Pattern LAYER_REF = Pattern.compile("^layer-(sha256:[0-9a-f]+)\\s");

  private final Cloud cloud;
  private final Instance instance;
  private final List<VolumeImage> restored;
  /** Largest first, as the build starts them. */
  private final List<String> commands;
  /** Per command, the layers its pull downloads (those the restored volume lacks), by digest. */
  private final List<Set<String>> missingLayers;

  private PullReplay(Cloud cloud, Instance instance, List<VolumeImage> restored, List<String> commands,
      List<Set<String>> missingLayers) {
    this.cloud = cloud;
    this.instance = instance;
    this.restored = restored;
    this.commands = commands;
    this.missingLayers = missingLayers;
  }

  /**
   * @param restored what the build's volume started with (its parent snapshot's images)
   * @param pulled   what the build's snapshot holds: the images its commands pulled are among them
   */
  static PullReplay of(Cloud cloud, Instance instance, List<VolumeImage> restored, List<VolumeImage> pulled) {
    long now = cloud.clock().nowMillis();
    Set<String> present = new HashSet<>();
    restored.forEach(image -> layersOf(cloud, image).forEach(layer -> present.add(layer.digest())));
    Map<String, List<CatalogImage.Layer>> missing = new HashMap<>();
    // Largest first, the order the build starts them in (its parallel pulls reach SSM in whatever order they run).
    List<String> commands = cloud.regions().values().stream()
        .flatMap(region -> region.ssm().commands().stream())
        .filter(command -> command.comment().startsWith(PULL_COMMENT)
            && command.results(now).containsKey(instance.instanceId()))
        .map(command -> {
          String text = String.join("\n", command.parameters().get("commands"));
          missing.put(text, pulled.stream()
              .filter(image -> text.contains(image.image()))
              .max(Comparator.comparingInt(image -> image.image().length()))
              .map(image -> layersOf(cloud, image).stream().filter(layer -> !present.contains(layer.digest())).toList())
              .orElse(List.of()));
          return text;
        })
        .sorted(Comparator.comparingLong(command -> -bytes(missing.get(command))))
        .toList();
    return new PullReplay(cloud, instance, restored, commands, commands.stream()
        .map(command -> missing.get(command).stream().map(CatalogImage.Layer::digest).collect(Collectors.toSet()))
        .toList());
  }

  private static long bytes(List<CatalogImage.Layer> layers) {
    return layers.stream().mapToLong(CatalogImage.Layer::size).sum();
  }

  private static List<CatalogImage.Layer> layersOf(Cloud cloud, VolumeImage image) {
    return cloud.catalog().manifestByDigest(image.digest()).orElseThrow().layers();
  }

  /** Every pull started at once: seconds until the last ends; NaN when one fails (an ECR pull has no role here). */
  double atOnceSeconds() {
    InstanceRuntime idle = freshInstance();
    return lastEnd(commands.stream().map(command -> idle.start(command, 0)).toList());
  }

  /**
   * The first pull at once, each next one when a look at the downloads finds every layer of the one started before it
   * in: none of them downloading once it has resolved. A look is a {@code ctr content active} run on the instance, one
   * SSM delivery after the last one answered.
   */
  double staggeredSeconds() {
    if (commands.size() < 2) {
      return atOnceSeconds();
    }
    InstanceRuntime idle = freshInstance();
    List<Execution> started = new ArrayList<>(List.of(idle.start(commands.get(0), 0)));
    long lastStartedAt = 0;
    long lookedAt = 0;
    while (started.size() < commands.size()) {
      long at = lookedAt + SsmModel.DELIVERY_LATENCY_MILLIS;
      Execution listing = idle.start(CTR + "content active", at);
      ExecutionStatus answer = listing.poll(at);
      while (answer.state() == ExecutionStatus.State.IN_PROGRESS) {
        answer = listing.poll(at += 10);
      }
      Set<String> downloading = downloading(answer.stdout());
      int last = started.size() - 1;
      boolean resolved = at - lastStartedAt >= RESOLVED_AFTER_MILLIS;
      if (started.get(last).poll(at).state() != ExecutionStatus.State.IN_PROGRESS
          || resolved && missingLayers.get(last).stream().noneMatch(downloading::contains)) {
        started.add(idle.start(commands.get(started.size()), at));
        lastStartedAt = at;
      }
      lookedAt = at;
    }
    return lastEnd(started);
  }

  private InstanceRuntime freshInstance() {
    return new InstanceRuntime(instance, cloud.catalog(), restored);
  }

  private static double lastEnd(List<Execution> pulls) {
    double last = 0;
    for (Execution pull : pulls) {
      ExecutionStatus ended = pull.poll(HORIZON_MILLIS);
      if (ended.state() != ExecutionStatus.State.SUCCESS) {
        return Double.NaN;
      }
      last = Math.max(last, ended.endedAtMillis() / 1000.0);
    }
    return last;
  }

  /** {@code ctr content active}: REF SIZE AGE, REF {@code layer-<digest>}; the digests downloading. */
  private static Set<String> downloading(String listing) {
    Set<String> digests = new HashSet<>();
    for (String line : listing.split("\n")) {
      Matcher ref = LAYER_REF.matcher(line);
      if (ref.find()) {
        digests.add(ref.group(1));
      }
    }
    return digests;
  }
}
