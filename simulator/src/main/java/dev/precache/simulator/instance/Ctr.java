package dev.precache.simulator.instance;

import dev.precache.simulator.instance.ContainerdStore.StoredImage;
import dev.precache.simulator.instance.Job.Io;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * containerd's ctr, the parts the build uses: {@code ctr [-a SOCK] [-n NS] images ls|rm|pull|check}.
 * On Kubernetes ≥ 1.33 Bottlerocket ships containerd 2.x, whose ctr (urfave/cli v2) stops reading flags at
 * the first argument: flags written after the image reference are silently ignored — which is how
 * {@code --user} after the reference broke ECR pulls (aws-samples/bottlerocket-images-cache#15).
 */
final class Ctr {
  static final String SOCKET = "/run/containerd/containerd.sock";
  static final String INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json";
  private static final long MILLIS = 200;
  private static final Set<String> PULL_VALUE_FLAGS = Set.of(
      "label", "platform", "user", "u", "snapshotter", "max-concurrent-downloads", "hosts-dir");
  private static final Set<String> PULL_BOOLEAN_FLAGS = Set.of(
      "all-platforms", "skip-verify", "k", "plain-http", "print-chainid", "local");

  private final PullJob.Environment environment;

  Ctr(PullJob.Environment environment) {
    this.environment = environment;
  }

  Job create(List<String> args, Io io) {
    String address = SOCKET;
    String namespace = "default";
    int at = 0;
    while (at < args.size() && args.get(at).startsWith("-")) {
      Flag flag = Flag.parse(args, at);
      if (flag.name().equals("debug")) {
        at++;
        continue;
      }
      if (!Set.of("a", "address", "n", "namespace").contains(flag.name())) {
        return Commands.failure(io, 0, 1, "ctr: flag provided but not defined: " + args.get(at));
      }
      if (flag.value() == null) {
        return Commands.failure(io, 0, 1, "ctr: flag needs an argument: " + args.get(at));
      }
      at = flag.next();
      if (flag.name().startsWith("a")) {
        address = flag.value();
      } else {
        namespace = flag.value();
      }
    }
    if (!address.equals(SOCKET)) {
      return Commands.failure(io, MILLIS, 1, "ctr: failed to dial \"" + address + "\": connection error: desc = "
          + "\"transport: error while dialing: dial unix " + address + ": connect: no such file or directory\"");
    }
    if (at >= args.size() || !List.of("images", "image", "i").contains(args.get(at))) {
      return Commands.failure(io, 0, 3, "ctr: No help topic for '" + (at < args.size() ? args.get(at) : "") + "'");
    }
    String subcommand = at + 1 < args.size() ? args.get(at + 1) : "";
    List<String> rest = args.subList(Math.min(at + 2, args.size()), args.size());
    String ns = namespace;
    return switch (subcommand) {
      case "ls", "list" -> new TimedJob(io, MILLIS, () -> list(ns, rest.contains("-q") || rest.contains("--quiet"), io));
      case "rm", "remove" -> new TimedJob(io, MILLIS, () -> remove(ns, rest, io));
      case "check" -> new TimedJob(io, MILLIS, () -> check(ns, io));
      case "pull" -> pull(ns, rest, io);
      default -> Commands.failure(io, 0, 3, "ctr: No help topic for '" + subcommand + "'");
    };
  }

  private int list(String namespace, boolean quiet, Io io) {
    List<StoredImage> images = environment.store().images(namespace);
    if (quiet) {
      images.forEach(image -> io.stdout().append(image.name()).append('\n'));
      return 0;
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("REF", "TYPE", "DIGEST", "SIZE", "PLATFORMS", "LABELS"));
    for (StoredImage image : images) {
      List<String> labels = image.labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
      rows.add(List.of(image.name(), INDEX_MEDIA_TYPE, image.indexDigest(), ByteSize.human(image.bytes()),
          String.join(",", image.platforms().keySet()), labels.isEmpty() ? "-" : String.join(",", labels)));
    }
    io.stdout().append(table(rows));
    return 0;
  }

  /** Not-found references are a warning, not an error, as in ctr. */
  private int remove(String namespace, List<String> references, Io io) {
    for (String reference : references) {
      if (reference.startsWith("-")) {
        continue; // --sync
      }
      if (environment.store().remove(namespace, reference)) {
        io.stdout().append(reference).append('\n');
      } else {
        io.stderr().append("WARN[0000] ").append(reference).append(": image not found\n");
      }
    }
    return 0;
  }

  private int check(String namespace, Io io) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("REF", "TYPE", "DIGEST", "STATUS", "SIZE", "UNPACKED"));
    for (StoredImage image : environment.store().images(namespace)) {
      int platforms = image.platforms().size();
      String size = ByteSize.human(image.bytes());
      rows.add(List.of(image.name(), INDEX_MEDIA_TYPE, image.indexDigest(),
          "complete (" + platforms + "/" + platforms + ")", size + "/" + size, "true"));
    }
    io.stdout().append(table(rows));
    return 0;
  }

  private Job pull(String namespace, List<String> args, Io io) {
    boolean containerd2 = environment.host().kubernetesMinorVersion() >= 33;
    Map<String, String> labels = new LinkedHashMap<>();
    List<String> platforms = new ArrayList<>();
    boolean allPlatforms = false;
    Optional<String> user = Optional.empty();
    String reference = null;
    int at = 0;
    while (at < args.size()) {
      String arg = args.get(at);
      boolean flagsStillRead = reference == null || !containerd2;
      if (!flagsStillRead || !arg.startsWith("-") || arg.equals("-")) {
        reference = reference == null ? arg : reference; // later arguments are ignored, as ctr does
        at++;
        continue;
      }
      Flag flag = Flag.parse(args, at);
      at = flag.next();
      if (PULL_BOOLEAN_FLAGS.contains(flag.name())) {
        allPlatforms |= flag.name().equals("all-platforms");
        if (flag.value() != null && !flag.inline()) {
          at--; // a boolean flag does not take the next word
        }
        continue;
      }
      if (!PULL_VALUE_FLAGS.contains(flag.name())) {
        return Commands.failure(io, 0, 1, "ctr: flag provided but not defined: " + arg);
      }
      if (flag.value() == null) {
        return Commands.failure(io, 0, 1, "ctr: flag needs an argument: " + arg);
      }
      switch (flag.name()) {
        case "label" -> {
          String[] pair = flag.value().split("=", 2);
          labels.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        case "platform" -> platforms.add(Platform.normalize(flag.value()));
        case "user", "u" -> user = Optional.of(flag.value());
        default -> { }
      }
    }
    if (reference == null) {
      return Commands.failure(io, 0, 1, "ctr: please provide an image reference to pull");
    }
    return new PullJob(io, environment,
        new PullJob.Request(namespace, reference, labels, platforms, allPlatforms, user, containerd2));
  }

  /** Go's tabwriter as ctr configures it: columns padded to the widest cell plus one space. */
  private static String table(List<List<String>> rows) {
    int[] widths = new int[rows.get(0).size()];
    rows.forEach(row -> {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    });
    StringBuilder out = new StringBuilder();
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        out.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + (widths[i] + 1) + "s", row.get(i)));
      }
      out.append('\n');
    }
    return out.toString();
  }

  /** A command-line flag: {@code -x v}, {@code --x v}, {@code --x=v}; value null when none followed. */
  private record Flag(String name, String value, boolean inline, int next) {
    static Flag parse(List<String> args, int at) {
      String word = args.get(at).replaceFirst("^--?", "");
      int equals = word.indexOf('=');
      if (equals >= 0) {
        return new Flag(word.substring(0, equals), word.substring(equals + 1), true, at + 1);
      }
      boolean hasNext = at + 1 < args.size();
      return new Flag(word, hasNext ? args.get(at + 1) : null, false, hasNext ? at + 2 : at + 1);
    }
  }
}
