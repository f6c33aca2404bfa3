package dev.precache.demo;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.instance.Execution;
import dev.precache.simulator.instance.ExecutionStatus;
import dev.precache.simulator.instance.InstanceRuntime;
import dev.precache.simulator.instance.VolumeImage;
import dev.precache.simulator.ssm.Command;
import dev.precache.simulator.ssm.SsmModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A build's own pull commands (as sent, each {@code ctr images pull … && ctr images ls …}), replayed on an idle copy
 * of its instance (same type, volume and catalog; the parent snapshot's images already there): how long containerd
 * itself takes for them, with nothing of the control plane (no slots, no SSM round trip, no polls). Two ways to start
 * them: all at once, as precache does; or paced, in the order the build sent them, each next one only once the
 * downloads under way leave the network room. Paced is what a scheduler on the instance could do by watching
 * {@code ctr content active}: fair sharing among every layer in flight gives the pulls that must finish fetching
 * first (the longest unpacks) no priority, and pacing gives it them back. Neither is a lower bound.
 */
final class PullReplay {
  /** How the activities comment their pull commands ({@code CommandRunner}: "precache: " and the step). */
  private static final String PULL_COMMENT = "precache: pull ";
  /** Far past any pull the benches make: the replay plays every event up to it. */
  private static final long HORIZON_MILLIS = 48L * 3600 * 1000;
  private static final String CTR = "apiclient exec admin sheltie ctr -a /run/containerd/containerd.sock -n k8s.io ";
  /** The next pull starts while the downloads under way use less than this share of the network. */
  static final double NETWORK_ROOM = 0.9;
  /** {@code ctr content active}'s SIZE column: go-units HumanSize, decimal units. */
  private static final Pattern HUMAN_SIZE = Pattern.compile("([0-9.]+)(B|kB|MB|GB|TB)");

  private final Cloud cloud;
  private final Instance instance;
  private final List<VolumeImage> restored;
  /** In the order the build sent them. */
  private final List<String> commands;
  /** Per command, the layers its pull downloads (those the restored volume lacks), by digest. */
  private final List<Map<String, Long>> missingLayers;
  /** Every missing layer's size, by digest. */
  private final Map<String, Long> layerSizes = new HashMap<>();

  private PullReplay(Cloud cloud, Instance instance, List<VolumeImage> restored, List<String> commands,
      List<Map<String, Long>> missingLayers) {
    this.cloud = cloud;
    this.instance = instance;
    this.restored = restored;
    this.commands = commands;
    this.missingLayers = missingLayers;
    missingLayers.forEach(layerSizes::putAll);
  }

  /**
   * @param restored what the build's volume started with (its parent snapshot's images)
   * @param pulled   what the build's snapshot holds: the images its commands pulled are among them
   */
  static PullReplay of(Cloud cloud, Instance instance, List<VolumeImage> restored, List<VolumeImage> pulled) {
    long now = cloud.clock().nowMillis();
    List<String> commands = cloud.regions().values().stream()
        .flatMap(region -> region.ssm().commands().stream())
        .filter(command -> command.comment().startsWith(PULL_COMMENT)
            && command.results(now).containsKey(instance.instanceId()))
        .sorted(Comparator.comparing(Command::requested))
        .map(command -> String.join("\n", command.parameters().get("commands")))
        .toList();
    Set<String> present = new HashSet<>();
    restored.forEach(image -> layersOf(cloud, image).forEach(layer -> present.add(layer.digest())));
    List<Map<String, Long>> missing = new ArrayList<>();
    for (String command : commands) {
      Map<String, Long> layers = new HashMap<>();
      pulled.stream()
          .filter(image -> command.contains(image.image()))
          .max(Comparator.comparingInt(image -> image.image().length()))
          .ifPresent(image -> layersOf(cloud, image).stream().filter(layer -> !present.contains(layer.digest()))
              .forEach(layer -> layers.put(layer.digest(), layer.size())));
      missing.add(layers);
    }
    return new PullReplay(cloud, instance, restored, commands, missing);
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
   * The first pull at once, each next one when a look at the downloads finds the one started before it downloading
   * (or done) and all of them together below {@link #NETWORK_ROOM} of the instance's network since the look before.
   * A look is a {@code ctr content active} run on the instance, one SSM delivery after the last one answered.
   */
  double pacedSeconds() {
    if (commands.size() < 2) {
      return atOnceSeconds();
    }
    InstanceRuntime idle = freshInstance();
    List<Execution> started = new ArrayList<>(List.of(idle.start(commands.get(0), 0)));
    Map<String, Long> before = null;
    long lookedAt = 0;
    while (started.size() < commands.size()) {
      long at = lookedAt + SsmModel.DELIVERY_LATENCY_MILLIS;
      Execution listing = idle.start(CTR + "content active", at);
      ExecutionStatus answer = listing.poll(at);
      while (answer.state() == ExecutionStatus.State.IN_PROGRESS) {
        answer = listing.poll(at += 10);
      }
      Map<String, Long> downloading = offsets(answer.stdout());
      int last = started.size() - 1;
      boolean lastUnderWay = started.get(last).poll(at).state() != ExecutionStatus.State.IN_PROGRESS
          || missingLayers.get(last).isEmpty()
          || missingLayers.get(last).keySet().stream().anyMatch(downloading::containsKey);
      if (before != null && lastUnderWay
          && bytesSince(before, downloading) / ((at - lookedAt) / 1000.0)
          < NETWORK_ROOM * instance.networkBytesPerSecond()) {
        started.add(idle.start(commands.get(started.size()), at));
      }
      before = downloading;
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

  /** Bytes downloaded between two looks: growth of each download, the rest of those that ended, all of new ones. */
  private long bytesSince(Map<String, Long> before, Map<String, Long> now) {
    long bytes = 0;
    for (Map.Entry<String, Long> download : now.entrySet()) {
      bytes += download.getValue() - before.getOrDefault(download.getKey(), 0L);
    }
    for (Map.Entry<String, Long> download : before.entrySet()) {
      if (!now.containsKey(download.getKey())) {
        bytes += layerSizes.getOrDefault(download.getKey(), download.getValue()) - download.getValue();
      }
    }
    return bytes;
  }

  /** {@code ctr content active}: REF SIZE AGE, REF {@code layer-<digest>}; each digest with its bytes so far. */
  private static Map<String, Long> offsets(String listing) {
    Map<String, Long> offsets = new HashMap<>();
    for (String line : listing.split("\n")) {
      String[] columns = line.split("\t+");
      Matcher size = columns.length > 1 ? HUMAN_SIZE.matcher(columns[1].strip()) : null;
      if (size != null && size.matches() && columns[0].startsWith("layer-")) {
        offsets.put(columns[0].substring("layer-".length()), bytes(size.group(1), size.group(2)));
      }
    }
    return offsets;
  }

  private static long bytes(String number, String unit) {
    double scale = switch (unit.toLowerCase(Locale.ROOT)) {
      case "kb" -> 1e3;
      case "mb" -> 1e6;
      case "gb" -> 1e9;
      case "tb" -> 1e12;
      default -> 1;
    };
    return Math.round(Double.parseDouble(number) * scale);
  }
}
