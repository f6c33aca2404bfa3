package dev.precache.simulator.instance;

import dev.precache.simulator.instance.CatalogImage.PlatformManifest;
import dev.precache.simulator.instance.ContainerdStore.StoredImage;
import dev.precache.simulator.instance.Job.Io;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * containerd's ctr, the parts the build uses: {@code ctr [-a SOCK] [-n NS] images ls|rm|pull|check} and
 * {@code content ls}, printing what containerd 1.7 and 2.x print (cmd/ctr/commands/images/images.go,
 * content/content.go). On Kubernetes ≥ 1.33 Bottlerocket ships containerd 2.x, whose ctr (urfave/cli v2)
 * stops reading flags at the first argument: flags written after the image reference are silently ignored —
 * which is how {@code --user} after the reference broke ECR pulls (aws-samples/bottlerocket-images-cache#15).
 */
final class Ctr {
  static final String SOCKET = "/run/containerd/containerd.sock";
  /** One ctr call against the local daemon: see {@link Commands}' delays, which share FIGURES.md's 2 s + 2 s. */
  private static final long MILLIS = 200;
  private static final Set<String> PULL_VALUE_FLAGS = Set.of(
      "label", "platform", "user", "u", "snapshotter", "max-concurrent-downloads", "hosts-dir");
  private static final Set<String> PULL_BOOLEAN_FLAGS = Set.of(
      "all-platforms", "skip-verify", "k", "plain-http", "print-chainid", "local");

  private final PullJob.Environment environment;
  private final LongSupplier clock;

  Ctr(PullJob.Environment environment, LongSupplier clock) {
    this.environment = environment;
    this.clock = clock;
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
    String command = at < args.size() ? args.get(at) : "";
    String subcommand = at + 1 < args.size() ? args.get(at + 1) : "";
    List<String> rest = args.subList(Math.min(at + 2, args.size()), args.size());
    boolean quiet = rest.contains("-q") || rest.contains("--quiet");
    List<String> filters = rest.stream().filter(arg -> !arg.startsWith("-")).toList();
    String ns = namespace;
    if (List.of("content", "c").contains(command)) {
      return switch (subcommand) {
        case "ls", "list" -> filtersUnsupported(filters, "digest")
            ? Commands.failure(io, 0, 1, "ctr: unsupported filter " + filters)
            : new TimedJob(io, MILLIS, () -> listContent(ns, quiet, filters, io));
        case "active" -> filters.isEmpty() ? new TimedJob(io, MILLIS, () -> listActive(io))
            : Commands.failure(io, 0, 1, "ctr: unsupported filter " + filters);
        default -> Commands.failure(io, 0, 3, "ctr: No help topic for '" + subcommand + "'");
      };
    }
    if (!List.of("images", "image", "i").contains(command)) {
      return Commands.failure(io, 0, 3, "ctr: No help topic for '" + command + "'");
    }
    return switch (subcommand) {
      case "ls", "list" -> filtersUnsupported(filters, "name")
          ? Commands.failure(io, 0, 1, "ctr: unsupported filter " + filters)
          : new TimedJob(io, MILLIS, () -> list(ns, quiet, filters, io));
      case "rm", "remove", "del", "delete" -> new TimedJob(io, MILLIS, () -> remove(ns, rest, io));
      case "check" -> filtersUnsupported(filters, "name")
          ? Commands.failure(io, 0, 1, "ctr: unsupported filter " + filters)
          : new TimedJob(io, MILLIS, () -> check(ns, quiet, filters, io));
      case "pull" -> pull(ns, rest, io);
      default -> Commands.failure(io, 0, 3, "ctr: No help topic for '" + subcommand + "'");
    };
  }

  /**
   * REF TYPE DIGEST SIZE PLATFORMS LABELS, every cell tab-terminated. PLATFORMS is every platform the index
   * names, pulled or not; SIZE is the host platform's image (index, manifest, config, layers as the manifest
   * sizes them, present or not), and only the index when that manifest is not in the content store, with an
   * error logged (containerd images.Image.Size with platforms.Default()).
   */
  private int list(String namespace, boolean quiet, List<String> filters, Io io) {
    List<StoredImage> images = environment.store().images(namespace).stream()
        .filter(image -> matches(filters, image.name())).toList();
    if (quiet) {
      images.forEach(image -> io.stdout().append(image.name()).append('\n'));
      return 0;
    }
    TabWriter table = new TabWriter(' ').line("REF\tTYPE\tDIGEST\tSIZE\tPLATFORMS\tLABELS\t");
    for (StoredImage image : images) {
      long size = image.image().index().size();
      Optional<PlatformManifest> own = hostManifest(image);
      if (own.isPresent()) {
        size += own.get().manifest().size();
        if (environment.store().holdsBlob(own.get().digest())) {
          size += own.get().bytes();
        } else {
          io.stderr().append("ERRO[0000] failed calculating size for image ").append(image.name())
              .append("  error=\"content digest ").append(own.get().digest()).append(": not found\"\n");
        }
      }
      Set<String> platforms = new TreeSet<>();
      image.image().platforms().values().forEach(manifest -> platforms.add(manifest.platform()));
      List<String> labels = image.labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList();
      table.line(image.name() + "\t" + OciDocument.INDEX + "\t" + image.image().indexDigest() + "\t"
          + ByteSize.human(size) + "\t" + String.join(",", platforms) + "\t"
          + (labels.isEmpty() ? "-" : String.join(",", labels)) + "\t");
    }
    io.stdout().append(table.flush());
    return 0;
  }

  /**
   * REF TYPE DIGEST STATUS SIZE UNPACKED for the host's platform only (containerd images.Check with
   * platforms.Default()): "complete (n/n)" with n = config + layers, "incomplete (p/n)", or, when the host
   * platform's manifest is not in the content store, "unavailable (0/?)" — and then IsUnpacked fails, which
   * ctr logs and returns as its error (exit 1) after printing the table. The header's cells are tab-terminated,
   * the rows' last is not. {@code name==} filters pick the images, as for {@code ls} (client.ListImages).
   */
  private int check(String namespace, boolean quiet, List<String> filters, Io io) {
    ContainerdStore store = environment.store();
    List<StoredImage> images = store.images(namespace).stream().filter(image -> matches(filters, image.name())).toList();
    if (images.isEmpty()) {
      return 0; // ctr prints nothing, not even the header
    }
    TabWriter table = new TabWriter(' ');
    if (!quiet) {
      table.line("REF\tTYPE\tDIGEST\tSTATUS\tSIZE\tUNPACKED\t");
    }
    String error = null;
    for (StoredImage image : images) {
      Optional<PlatformManifest> own = hostManifest(image).filter(manifest -> store.holdsBlob(manifest.digest()));
      String status;
      String size;
      boolean unpacked = false;
      boolean complete = false;
      if (own.isEmpty()) {
        status = "unavailable (0/?)";
        size = ByteSize.human(0) + "/?";
        String missing = hostManifest(image).map(PlatformManifest::digest).orElse(image.image().indexDigest());
        String cause = hostManifest(image).isPresent() ? "content digest " + missing + ": not found"
            : "manifest unknown: no match for platform in manifest: not found";
        io.stderr().append("ERRO[0000] unable to check unpack for ").append(image.name()).append("  error=\"")
            .append(cause).append("\"\n");
        error = error != null ? error : "unable to check unpack for " + image.name() + ": " + cause;
      } else {
        PlatformManifest manifest = own.get();
        List<Long> required = new ArrayList<>();
        List<Long> present = new ArrayList<>();
        required.add(manifest.config().size());
        if (store.holdsBlob(manifest.config().digest())) {
          present.add(manifest.config().size());
        }
        manifest.layers().forEach(layer -> {
          required.add(layer.size());
          if (store.holdsBlob(layer.digest())) {
            present.add(layer.size());
          }
        });
        complete = present.size() == required.size();
        status = (complete ? "complete" : "incomplete") + " (" + present.size() + "/" + required.size() + ")";
        size = ByteSize.human(present.stream().mapToLong(Long::longValue).sum()) + "/"
            + ByteSize.human(required.stream().mapToLong(Long::longValue).sum());
        unpacked = store.unpacked(manifest);
      }
      if (!quiet) {
        table.line(image.name() + "\t" + OciDocument.INDEX + "\t" + image.image().indexDigest() + "\t" + status + "\t"
            + size + "\t" + unpacked);
      } else if (complete && unpacked) {
        io.stdout().append(image.name()).append('\n');
      }
    }
    io.stdout().append(table.flush());
    if (error != null) {
      io.stderr().append("ctr: ").append(error).append('\n');
      return 1;
    }
    return 0;
  }

  /** DIGEST SIZE AGE LABELS, padded with tabs; sizes and ages as docker/go-units prints them. */
  private int listContent(String namespace, boolean quiet, List<String> filters, Io io) {
    List<ContainerdStore.ContentBlob> blobs = environment.store().content(namespace).stream()
        .filter(blob -> matches(filters, blob.digest())).toList();
    if (quiet) {
      blobs.forEach(blob -> io.stdout().append(blob.digest()).append('\n'));
      return 0;
    }
    TabWriter table = new TabWriter('\t').line("DIGEST\tSIZE\tAGE\tLABELS");
    long now = clock.getAsLong();
    for (ContainerdStore.ContentBlob blob : blobs) {
      List<String> labels = blob.labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList();
      table.line(blob.digest() + "\t" + GoUnits.humanSize(blob.size()) + "\t"
          + GoUnits.humanDuration(now - blob.createdAt()) + "\t" + (labels.isEmpty() ? "-" : String.join(",", labels)));
    }
    io.stdout().append(table.flush());
    return 0;
  }

  /**
   * {@code ctr content active}: REF SIZE AGE of each download under way, SIZE the bytes written so far
   * (units.HumanSize of the ingest's offset), tab-padded as ctr's tabwriter pads (cmd/ctr/commands/content).
   */
  private int listActive(Io io) {
    TabWriter table = new TabWriter('\t').line("REF\tSIZE\tAGE\t");
    long now = clock.getAsLong();
    environment.traffic().advanceTo(now); // offsets as of now: flows are linear between the traffic's events
    environment.store().activeIngests().forEach((ref, download) -> table.line(ref + "\t"
        + GoUnits.humanSize(download.doneBytes()) + "\t" + GoUnits.humanDuration(now - download.startedAtMillis()) + "\t"));
    io.stdout().append(table.flush());
    return 0;
  }

  /**
   * Only {@code field==value} filters on the one field the build filters by (ctr takes more: containerd's
   * filters package); ctr ORs its filter arguments.
   */
  private static boolean filtersUnsupported(List<String> filters, String field) {
    return filters.stream().anyMatch(filter -> !filter.startsWith(field + "==") || filter.length() == field.length() + 2);
  }

  private static boolean matches(List<String> filters, String value) {
    return filters.isEmpty() || filters.stream().anyMatch(filter -> filter.substring(filter.indexOf("==") + 2).equals(value));
  }

  private Optional<PlatformManifest> hostManifest(StoredImage image) {
    return image.image().platform(environment.host().platform());
  }

  /** Not-found references are a warning, not an error, as in ctr. */
  private int remove(String namespace, List<String> references, Io io) {
    for (String reference : references) {
      if (reference.startsWith("-")) {
        continue; // --sync
      }
      if (environment.store().removeImage(namespace, reference)) {
        io.stdout().append(reference).append('\n');
      } else {
        io.stderr().append("WARN[0000] ").append(reference).append(": image not found\n");
      }
    }
    return 0;
  }

  /**
   * containerd 2.x's ctr (cmd/ctr/commands/images/pull.go, v2.1 and main) pulls through the daemon's transfer
   * service unless {@code --local}; there {@code --max-concurrent-downloads}, {@code --print-chainid} and
   * {@code --skip-verify} are refused ("requires --local", pull.go:107-115). With {@code --local} it pulls
   * client-side and the flag is accepted but read by no one: since containerd v2.1.0 (commit 024775dab, "set dl
   * options on resolver") content.NewFetchConfig no longer reads it and client.Fetch sets no limiter, so every
   * layer downloads at once. containerd 1.7's ctr pulls client-side by default ({@code --local} is a BoolT flag)
   * and applies the flag (v1.7.27 cmd/ctr/commands/content/fetch.go:149-151); without it, no limit (client/pull.go:264).
   */
  private Job pull(String namespace, List<String> args, Io io) {
    boolean containerd2 = environment.host().kubernetesMinorVersion() >= 33;
    Map<String, String> labels = new LinkedHashMap<>();
    List<String> platforms = new ArrayList<>();
    boolean allPlatforms = false;
    boolean local = !containerd2;
    Set<String> set = new TreeSet<>();
    Optional<String> user = Optional.empty();
    int maxConcurrentDownloads = PullJob.UNLIMITED_DOWNLOADS;
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
        local |= flag.name().equals("local");
        set.add(flag.name().equals("k") ? "skip-verify" : flag.name());
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
      set.add(flag.name());
      switch (flag.name()) {
        case "label" -> {
          String[] pair = flag.value().split("=", 2);
          labels.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        case "platform" -> platforms.add(Platform.normalize(flag.value()));
        case "user", "u" -> user = Optional.of(flag.value());
        case "max-concurrent-downloads" -> {
          try {
            maxConcurrentDownloads = Integer.parseInt(flag.value());
          } catch (NumberFormatException e) {
            return Commands.failure(io, 0, 1, "ctr: invalid value \"" + flag.value()
                + "\" for flag -max-concurrent-downloads: parse error");
          }
          if (maxConcurrentDownloads <= 0) {
            maxConcurrentDownloads = PullJob.UNLIMITED_DOWNLOADS; // 0: no limit
          }
        }
        default -> { }
      }
    }
    if (reference == null) {
      return Commands.failure(io, 0, 1, "ctr: please provide an image reference to pull");
    }
    if (containerd2 && !local) {
      for (String needsLocal : List.of("max-concurrent-downloads", "print-chainid", "skip-verify")) {
        if (set.contains(needsLocal)) {
          return Commands.failure(io, MILLIS, 1, "ctr: \"--" + needsLocal + "\" requires \"--local\" flag");
        }
      }
    }
    if (containerd2) {
      maxConcurrentDownloads = PullJob.UNLIMITED_DOWNLOADS; // --local: accepted, read by no one (v2.1)
    }
    return new PullJob(io, environment, new PullJob.Request(namespace, reference, labels, platforms, allPlatforms,
        user, containerd2, local, maxConcurrentDownloads));
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
