package dev.precache.simulator.instance;

import dev.precache.simulator.instance.CatalogImage.PlatformManifest;
import dev.precache.simulator.instance.ImageReference.InvalidReference;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code ctr images pull}: resolve (a fixed latency, where reference, credential, fault and platform
 * errors surface), then write the missing content through {@link PullTraffic}, then record the image.
 */
final class PullJob extends Job {
  private static final long RESOLVE_MILLIS = 1500;
  private static final String PROGRESS_BAR = "|++++++++++++++++++++++++++++++++++++++|";

  /** What a pull reaches on the instance. */
  record Environment(HostSpec host, RegistryCatalog catalog, ContainerdStore store, PullTraffic traffic,
      List<PullFault> faults) {}

  /** Injected failure: pulls of references matching the pattern fail with the message. */
  record PullFault(Pattern reference, String message) {}

  /** @param platforms normalized; empty means the host's own platform */
  record Request(String namespace, String reference, Map<String, String> labels, List<String> platforms,
      boolean allPlatforms, Optional<String> user, boolean containerd2) {}

  private final Environment environment;
  private final Request request;
  private long startedAt;
  private long resolvedAt = Long.MAX_VALUE;
  private CatalogImage image;
  private Map<String, PlatformManifest> selected;
  private PullTraffic.Transfer transfer;
  private long transferBytes;

  PullJob(Io io, Environment environment, Request request) {
    super(io);
    this.environment = environment;
    this.request = request;
  }

  @Override
  void start(long now) {
    startedAt = now;
    resolvedAt = now + RESOLVE_MILLIS;
  }

  @Override
  long dueAt() {
    return finished() || image != null ? Long.MAX_VALUE : resolvedAt;
  }

  @Override
  void advance(long now) {
    if (finished()) {
      return;
    }
    if (image == null) {
      if (now >= resolvedAt) {
        resolve(now);
      }
      return;
    }
    switch (transfer.state()) {
      case DONE -> complete(now);
      case OUT_OF_SPACE -> fail("ctr: failed to extract layer " + selected.values().iterator().next().digest()
          + ": write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/"
          + Math.abs(request.reference().hashCode() % 1000) + "/fs/data: no space left on device: unknown");
      default -> { }
    }
  }

  @Override
  void kill(long now) {
    if (transfer != null) {
      environment.traffic().abort(transfer, now);
    }
    finish(KILLED);
  }

  private void resolve(long now) {
    String reference = request.reference();
    ImageReference parsed;
    try {
      parsed = ImageReference.parse(reference);
    } catch (InvalidReference e) {
      fail(unresolved(e.getMessage()));
      return;
    }
    for (PullFault fault : environment.faults()) {
      if (fault.reference().matcher(reference).find()) {
        fail(fault.message().startsWith("ctr: ") ? fault.message() : "ctr: " + fault.message());
        return;
      }
    }
    RegistryCatalog catalog = environment.catalog();
    if (catalog.requiresCredentials(parsed.host()) && !authorized(parsed.host())) {
      fail(unresolved("pulling from host " + parsed.host() + " failed with status code [manifests "
          + parsed.object() + "]: 401 Unauthorized"));
      return;
    }
    Optional<CatalogImage> found = catalog.find(reference);
    if (found.isEmpty()) {
      fail(unresolved(reference + ": not found"));
      return;
    }
    image = found.get();
    List<String> platforms = request.allPlatforms()
        ? List.copyOf(image.platforms().keySet())
        : request.platforms().isEmpty() ? List.of(Platform.normalize(environment.host().platform())) : request.platforms();
    selected = new TreeMap<>();
    for (String platform : platforms) {
      Optional<PlatformManifest> manifest = image.platform(platform);
      if (manifest.isEmpty()) {
        fail("ctr: no match for platform in manifest: not found");
        return;
      }
      selected.put(platform, manifest.get());
    }
    transferBytes = selected.values().stream()
        .filter(manifest -> !environment.store().holds(manifest.digest()))
        .mapToLong(PlatformManifest::bytes)
        .sum();
    transfer = environment.traffic().begin(transferBytes, catalog.pullBytesPerSecond(parsed.host()), now);
  }

  private boolean authorized(String host) {
    String[] credentials = request.user().orElse("").split(":", 2);
    return request.user().isPresent()
        && environment.catalog().authorize(host, credentials[0], credentials.length > 1 ? credentials[1] : "");
  }

  private void complete(long now) {
    environment.store().put(request.namespace(), request.reference(), image.indexDigest(), request.labels(), selected);
    long elapsed = now - startedAt;
    String rate = ByteSize.human(transferBytes * 1000.0 / Math.max(elapsed, 1)) + "/s";
    StringBuilder out = io.stdout();
    if (request.containerd2()) {
      out.append(request.reference()).append("\tsaved\n");
      out.append("└──index (").append(shortDigest(image.indexDigest())).append(")\tcomplete\t").append(PROGRESS_BAR).append('\n');
      selected.values().forEach(manifest -> out.append("   ├──manifest (").append(shortDigest(manifest.digest()))
          .append(")\tcomplete\t").append(PROGRESS_BAR).append('\n'));
      out.append(Ctr.INDEX_MEDIA_TYPE).append(' ').append(image.indexDigest()).append('\n');
      out.append("Completed pull from OCI Registry (").append(request.reference()).append(")\telapsed: ")
          .append(String.format(Locale.ROOT, "%.1f s", elapsed / 1000.0)).append("\ttotal:  ")
          .append(ByteSize.human(transferBytes)).append("\t(").append(rate).append(")\n");
    } else {
      out.append(request.reference()).append(": resolved ").append(PROGRESS_BAR).append('\n');
      out.append("index-").append(image.indexDigest()).append(": done ").append(PROGRESS_BAR).append('\n');
      selected.values().forEach(manifest -> out.append("manifest-").append(manifest.digest()).append(": done ")
          .append(PROGRESS_BAR).append('\n'));
      out.append(String.format(Locale.ROOT, "elapsed: %.1f s\ttotal: %s\t(%s)%n", elapsed / 1000.0,
          ByteSize.human(transferBytes), rate));
      selected.keySet().forEach(platform -> out.append("unpacking ").append(platform).append(' ')
          .append(image.indexDigest()).append("...\n"));
      out.append("done: ").append(goDuration(elapsed)).append('\n');
    }
    finish(0);
  }

  private String unresolved(String reason) {
    return "ctr: failed to resolve reference \"" + request.reference() + "\": " + reason;
  }

  private void fail(String message) {
    io.stderr().append(message).append('\n');
    finish(1);
  }

  private static String shortDigest(String digest) {
    return digest.substring("sha256:".length(), "sha256:".length() + 12);
  }

  /** Go's time.Duration format at millisecond precision: 850ms, 2.5s, 1m2.05s. */
  static String goDuration(long millis) {
    if (millis < 1000) {
      return millis + "ms";
    }
    long minutes = millis / 60_000;
    long hours = minutes / 60;
    String seconds = new java.math.BigDecimal(millis % 60_000).movePointLeft(3).stripTrailingZeros().toPlainString();
    return (hours > 0 ? hours + "h" : "") + (minutes > 0 ? minutes % 60 + "m" : "") + seconds + "s";
  }
}
