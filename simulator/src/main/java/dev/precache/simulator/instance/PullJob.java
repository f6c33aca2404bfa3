package dev.precache.simulator.instance;

import dev.precache.simulator.instance.CatalogImage.Layer;
import dev.precache.simulator.instance.CatalogImage.PlatformManifest;
import dev.precache.simulator.instance.ImageReference.InvalidReference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code ctr images pull}, layer by layer: resolve (a fixed latency, where reference, credential, fault and
 * platform errors surface; the index, manifests and configs are written then), download the missing layers,
 * unpack them ({@link LayerUnpacks}), then record the image. Two ways, as ctr has them
 * (cmd/ctr/commands/images/pull.go, containerd v2.1 and v2.2): through containerd 2.x's transfer service, which
 * paces the downloads and unpacks of all its pulls together ({@link TransferService}) and unpacks a layer as soon as
 * it and its parent are there (with parallel unpack, as soon as it is there); or client-side (containerd 1.7's
 * default, 2.x's {@code --local}), which fetches every layer of the pull at once unless 1.7's
 * {@code --max-concurrent-downloads} limits it (client/pull.go fetch: no limiter without one), then unpacks
 * platform after platform (pull.go: content.Fetch, then Unpack). A layer the content store holds is not
 * downloaded, a chain the snapshotter holds not unpacked; a layer another pull on the instance is fetching or
 * unpacking is waited for, as containerd's ingest locks do.
 */
final class PullJob extends Job {
  /**
   * Resolving a tag before any layer: a token, the index, the platform manifest and the config, a round trip each.
   * That chain took ~1.7 s against Docker Hub (lensapp/lens-sandbox#132, one observation); a pull of a cached image
   * answered in 3–5 s over a 150 ms path (docker/hub-feedback#2241, one observation). A registry in the build's
   * region is nearer the first.
   */
  private static final long RESOLVE_MILLIS = 1500;
  /** A client-side pull without {@code --max-concurrent-downloads} (or with 0): no limiter, every layer at once. */
  static final int UNLIMITED_DOWNLOADS = Integer.MAX_VALUE;
  private static final String PROGRESS_BAR = "|++++++++++++++++++++++++++++++++++++++|";

  /**
   * What a pull reaches on the instance; {@code inFlight} is shared by the instance's pulls;
   * {@code registryFailure} gives the HTTP status ("429 Too Many Requests") an injected registry error answers.
   */
  record Environment(HostSpec host, RegistryCatalog catalog, ContainerdStore store, PullTraffic traffic,
      List<PullFault> faults, Map<String, PullTraffic.Transfer> inFlight,
      Function<String, Optional<String>> registryFailure, TransferService transferService) {}

  /** Injected failure: pulls of references matching the pattern fail with the message. */
  record PullFault(Pattern reference, String message) {}

  /**
   * @param platforms              normalized; empty means the host's own platform
   * @param local                  a client-side pull: containerd 1.7's ctr always, 2.x's with {@code --local}
   * @param maxConcurrentDownloads a client-side pull's own limit ({@link #UNLIMITED_DOWNLOADS}: none)
   */
  record Request(String namespace, String reference, Map<String, String> labels, List<String> platforms,
      boolean allPlatforms, Optional<String> user, boolean containerd2, boolean local, int maxConcurrentDownloads) {

    boolean viaTransferService() {
      return containerd2 && !local;
    }
  }

  private final Environment environment;
  private final Request request;
  private long startedAt;
  private long resolvedAt = Long.MAX_VALUE;
  private long fetchedAt = -1;
  private CatalogImage image;
  private List<PlatformManifest> selected;
  private final Deque<Layer> toDownload = new ArrayDeque<>();
  private final Map<Layer, PullTraffic.Transfer> downloading = new LinkedHashMap<>();
  private final LayerUnpacks unpacks;
  private final Set<String> leased = new HashSet<>();
  private long downloadedBytes;
  private String registry;

  PullJob(Io io, Environment environment, Request request) {
    super(io);
    this.environment = environment;
    this.request = request;
    this.unpacks = new LayerUnpacks(environment, this,
        request.viaTransferService() && environment.transferService().unpacksInParallel());
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
      if (image == null || finished()) {
        return;
      }
    }
    progress(now);
  }

  @Override
  void kill(long now) {
    stopTransfers(now);
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
    Optional<String> status = environment.registryFailure().apply(parsed.host());
    if (status.isPresent()) {
      fail(unresolved("pulling from host " + parsed.host() + " failed with status code [manifests "
          + parsed.object() + "]: " + status.get()));
      return;
    }
    Optional<CatalogImage> found = catalog.find(reference);
    if (found.isEmpty()) {
      fail(unresolved(reference + ": not found"));
      return;
    }
    CatalogImage resolved = found.get();
    List<String> platforms = request.allPlatforms()
        ? List.copyOf(resolved.platforms().keySet())
        : request.platforms().isEmpty() ? List.of(Platform.normalize(environment.host().platform())) : request.platforms();
    List<PlatformManifest> manifests = new ArrayList<>();
    for (String platform : platforms) {
      Optional<PlatformManifest> manifest = resolved.platform(platform);
      if (manifest.isEmpty()) {
        fail("ctr: no match for platform in manifest: not found");
        return;
      }
      if (!manifests.contains(manifest.get())) {
        manifests.add(manifest.get());
      }
    }
    image = resolved;
    selected = List.copyOf(manifests);
    plan(parsed, now);
  }

  /** Writes the documents, and queues the layers to download (distinct, missing) and to unpack (in order). */
  private void plan(ImageReference parsed, long now) {
    ContainerdStore store = environment.store();
    String namespace = request.namespace();
    Map<String, String> indexLabels = new LinkedHashMap<>();
    for (int i = 0; i < selected.size(); i++) {
      indexLabels.put("containerd.io/gc.ref.content.m." + i, selected.get(i).digest());
    }
    hold(image.indexDigest());
    store.addDocument(namespace, image.index(), indexLabels, now);
    Set<String> queued = new HashSet<>();
    for (PlatformManifest manifest : selected) {
      Map<String, String> manifestLabels = new LinkedHashMap<>();
      manifestLabels.put("containerd.io/gc.ref.content.config", manifest.config().digest());
      for (int i = 0; i < manifest.layers().size(); i++) {
        manifestLabels.put("containerd.io/gc.ref.content.l." + i, manifest.layers().get(i).digest());
      }
      hold(manifest.digest());
      hold(manifest.config().digest());
      store.addDocument(namespace, manifest.manifest(), manifestLabels, now);
      store.addDocument(namespace, manifest.config(), Map.of(), now);
      List<String> chain = ContainerdStore.chainIds(manifest.layers());
      for (int i = 0; i < manifest.layers().size(); i++) {
        Layer layer = manifest.layers().get(i);
        hold(layer.digest());
        hold(chain.get(i));
        if (queued.add(layer.digest()) && !store.holdsBlob(layer.digest())) {
          toDownload.add(layer);
          if (request.viaTransferService() && !environment.transferService().sharesByChunk()) {
            environment.transferService().enqueue(this, layer.digest());
          }
        }
        unpacks.add(new LayerUnpacks.Step(layer, chain.get(i)));
      }
    }
    registry = parsed.host();
  }

  private boolean authorized(String host) {
    String[] credentials = request.user().orElse("").split(":", 2);
    return request.user().isPresent()
        && environment.catalog().authorize(host, credentials[0], credentials.length > 1 ? credentials[1] : "");
  }

  /** Starts what can start, collects what ended; called at every event while the pull runs. */
  private void progress(long now) {
    ContainerdStore store = environment.store();
    Map<String, PullTraffic.Transfer> inFlight = environment.inFlight();
    for (var entry : List.copyOf(downloading.entrySet())) {
      PullTraffic.Transfer transfer = entry.getValue();
      Layer layer = entry.getKey();
      if (transfer.state() == PullTraffic.State.OUT_OF_SPACE) {
        store.endIngest(ContainerdStore.layerRef(layer.digest()));
        store.leaveIngest(layer.digest(), transfer.writtenBytes());
        inFlight.remove(layer.digest());
        downloading.remove(layer);
        releasePermit(transfer, now);
        failOutOfSpace("ctr: failed to copy: failed to send write: write /var/lib/containerd/io.containerd.content.v1.content/ingest/"
            + RegistryCatalog.digest(request.reference() + "|" + layer.digest()).substring(7)
            + "/data: no space left on device: unknown", now);
        return;
      }
      if (transfer.state() == PullTraffic.State.DONE) {
        store.endIngest(ContainerdStore.layerRef(layer.digest()));
        store.addBlob(request.namespace(), layer.digest(), layer.size(),
            Map.of("containerd.io/distribution.source." + registry, repository()), now);
        downloadedBytes += layer.size();
        inFlight.remove(layer.digest());
        downloading.remove(layer);
        releasePermit(transfer, now);
      }
    }
    startDownloads(now);
    boolean fetched = downloading.isEmpty() && toDownload.isEmpty();
    if (fetched && fetchedAt < 0) {
      fetchedAt = now;
    }
    String unpackFailure = unpacks.advance(now, request.viaTransferService() || fetched);
    if (unpackFailure != null) {
      failOutOfSpace(unpackFailure, now);
      return;
    }
    if (fetched && unpacks.done()) {
      complete(now);
    }
  }

  /**
   * Starts the downloads the pull may start now, in layer order. Through the transfer service a layer waits for a
   * permit of the instance's {@link TransferService} (or, fetched by chunks, starts at once on its share of them),
   * and one another pull is fetching is passed over (its fetch goroutine waits on the ingest before asking for a
   * permit); client-side, at most the pull's own limit run, and the pull waits at a layer another pull is fetching.
   */
  private void startDownloads(long now) {
    ContainerdStore store = environment.store();
    Map<String, PullTraffic.Transfer> inFlight = environment.inFlight();
    TransferService service = environment.transferService();
    boolean viaService = request.viaTransferService();
    boolean byChunks = viaService && service.sharesByChunk();
    Iterator<Layer> queue = toDownload.iterator();
    while (queue.hasNext() && (viaService || downloading.size() < request.maxConcurrentDownloads())) {
      Layer next = queue.next();
      if (store.holdsBlob(next.digest())) {
        queue.remove();
        service.withdraw(this, next.digest());
        continue;
      }
      if (inFlight.containsKey(next.digest())) {
        if (viaService) {
          continue;
        }
        break; // another pull fetches it: wait, as containerd's ingest lock makes it
      }
      if (viaService && !byChunks && !service.mayStart(this, next.digest(),
          digest -> !store.holdsBlob(digest) && !inFlight.containsKey(digest))) {
        break;
      }
      queue.remove();
      if (viaService && !byChunks) {
        service.acquire(this, next.digest());
      }
      PullTraffic.Transfer transfer = environment.traffic()
          .download(next.size(), environment.catalog().pullBytesPerSecond(registry), now);
      if (byChunks) {
        service.fetchingByChunks(transfer, next.size(), now);
      }
      inFlight.put(next.digest(), transfer);
      downloading.put(next, transfer);
      store.beginIngest(ContainerdStore.layerRef(next.digest()), transfer);
    }
  }

  private void releasePermit(PullTraffic.Transfer download, long now) {
    TransferService service = environment.transferService();
    if (request.viaTransferService() && service.sharesByChunk()) {
      service.fetchedByChunks(download, now);
    } else if (request.viaTransferService()) {
      service.release();
    }
  }

  private String repository() {
    String rest = request.reference().substring(registry.length() + 1);
    int end = rest.indexOf('@') >= 0 ? rest.indexOf('@') : rest.lastIndexOf(':');
    return rest.substring(0, end);
  }

  private void hold(String key) {
    if (leased.add(key)) {
      environment.store().lease(key);
    }
  }

  private void releaseLeases() {
    leased.forEach(environment.store()::release);
    leased.clear();
  }

  private void stopTransfers(long now) {
    downloading.forEach((layer, transfer) -> {
      environment.traffic().abort(transfer, now);
      environment.store().endIngest(ContainerdStore.layerRef(layer.digest()));
      environment.store().leaveIngest(layer.digest(), transfer.writtenBytes());
      environment.inFlight().remove(layer.digest());
      releasePermit(transfer, now);
    });
    downloading.clear();
    environment.transferService().withdrawAll(this);
    unpacks.stop(now);
    releaseLeases();
  }

  /** The volume is full: the pull stops, what it wrote so far stays (containerd keeps blobs and ingests). */
  private void failOutOfSpace(String message, long now) {
    stopTransfers(now);
    fail(message);
  }

  private void complete(long now) {
    environment.store().putImage(request.namespace(), request.reference(), image, request.labels(), now);
    releaseLeases();
    long elapsed = now - startedAt;
    long fetchElapsed = fetchedAt - startedAt;
    String rate = ByteSize.human(downloadedBytes * 1000.0 / Math.max(fetchElapsed, 1)) + "/s";
    StringBuilder out = io.stdout();
    if (request.viaTransferService()) {
      out.append(request.reference()).append("\tsaved\n");
      out.append("└──index (").append(shortDigest(image.indexDigest())).append(")\tcomplete\t").append(PROGRESS_BAR).append('\n');
      selected.forEach(manifest -> out.append("   ├──manifest (").append(shortDigest(manifest.digest()))
          .append(")\tcomplete\t").append(PROGRESS_BAR).append('\n'));
      out.append(OciDocument.INDEX).append(' ').append(image.indexDigest()).append('\n');
      out.append("Completed pull from OCI Registry (").append(request.reference()).append(")\telapsed: ")
          .append(String.format(java.util.Locale.ROOT, "%.1f s", elapsed / 1000.0)).append("\ttotal:  ")
          .append(ByteSize.human(downloadedBytes)).append("\t(").append(rate).append(")\n");
    } else {
      out.append(request.reference()).append(": resolved ").append(PROGRESS_BAR).append('\n');
      out.append("index-").append(image.indexDigest()).append(": done ").append(PROGRESS_BAR).append('\n');
      selected.forEach(manifest -> {
        out.append("manifest-").append(manifest.digest()).append(": done ").append(PROGRESS_BAR).append('\n');
        out.append("config-").append(manifest.config().digest()).append(": done ").append(PROGRESS_BAR).append('\n');
        manifest.layers().forEach(layer -> out.append("layer-").append(layer.digest()).append(": done ")
            .append(PROGRESS_BAR).append('\n'));
      });
      out.append(String.format(java.util.Locale.ROOT, "elapsed: %.1f s\ttotal: %s\t(%s)%n", fetchElapsed / 1000.0,
          ByteSize.human(downloadedBytes), rate));
      selected.forEach(manifest -> out.append("unpacking ").append(manifest.platform()).append(' ')
          .append(image.indexDigest()).append("...\n"));
      out.append("done: ").append(goDuration(now - fetchedAt)).append('\n');
    }
    finish(0);
  }

  private String unresolved(String reason) {
    return "ctr: failed to resolve reference \"" + request.reference() + "\": " + reason;
  }

  private void fail(String message) {
    environment.transferService().withdrawAll(this);
    releaseLeases();
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
