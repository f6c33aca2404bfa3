package dev.precache.simulator.instance;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * containerd 2.x's transfer service, the part that paces downloads: ONE semaphore of {@code max_concurrent_downloads}
 * (3 by default, plugins/transfer/plugin.go defaultConfig; Bottlerocket's {@code max-concurrent-downloads}: see
 * {@link ContainerRuntimeSettings}) made when the service starts (core/transfer/local/transfer.go
 * NewTransferService: {@code ts.limiterD}) and handed to every pull's resolver (core/transfer/local/pull.go:
 * {@code WithDownloadLimiter(ts.limiterD)}). So every transfer-service pull on the instance shares those permits,
 * not so many each. Waiters are served first come, first served (golang.org/x/sync/semaphore is FIFO): a pull's
 * layers queue when it resolves.
 *
 * <p>Without a chunk size a layer is one request, holding a permit from opening its HTTP body to closing it
 * (core/remotes/docker/fetcher.go {@code open}, containerd v2.1): permits are handed out whole, in turn. With one
 * ({@code concurrent_layer_fetch_buffer}), a layer larger than a chunk is fetched by up to
 * {@code max_concurrent_downloads} goroutines, each taking a permit per chunk and giving it back after (fetcher.go:
 * {@code r.Acquire} ... {@code defer r.Release} around each range request). A chunk is a fraction of a second of
 * transfer, so permits rotate among every waiting request about as fast as chunks end: modelled as time-shared,
 * each layer carried by its requests × min(1, permits ÷ all requests) connections, every layer in flight at once
 * (containerd 2.2's fetcher differs only in that the first request keeps its permit for the first chunk).
 *
 * <p>containerd 2.2 adds a second semaphore, of {@code max_concurrent_unpacks}, when that is above 1
 * (transfer.go {@code ts.limiterP}, handed to every pull's unpacker): a pull takes a permit for each layer in turn,
 * in layer order, before that layer's blob is in, and gives it back once the layer is extracted
 * (core/unpack/unpacker.go {@code unpack}: {@code u.acquire(ctx, u.unpackLimiter)} in the loop over layers, the
 * release when the extracting goroutine ends). Waiters are served first come, first served, one layer per pull.
 */
final class TransferService {

  private record Ticket(Object pull, String digest) {}

  private final ContainerRuntimeSettings settings;
  private final PullTraffic traffic;
  private final List<Ticket> waiting = new ArrayList<>();
  private final Map<PullTraffic.Transfer, Integer> chunkedFetches = new LinkedHashMap<>();
  private final Deque<Object> unpackWaiters = new ArrayDeque<>();
  private int free;
  private int freeUnpacks;
  /** Counts every permit taken or given back: a pull may wait on one another pull gave back at the same instant. */
  private long changes;

  TransferService(ContainerRuntimeSettings settings, PullTraffic traffic) {
    this.settings = settings;
    this.traffic = traffic;
    this.free = settings.maxConcurrentDownloads();
    this.freeUnpacks = settings.maxConcurrentUnpacks();
  }

  /** Whether pulls unpack their layers in parallel, each layer holding one of the shared unpack permits. */
  boolean unpacksInParallel() {
    return settings.parallelUnpack();
  }

  long changes() {
    return changes;
  }

  /** Whether layers are fetched by chunks over time-shared permits rather than holding one permit each. */
  boolean sharesByChunk() {
    return settings.chunkedFetch();
  }

  /** A pull's layer joins the queue (as its fetch goroutine blocks in Acquire). */
  void enqueue(Object pull, String digest) {
    waiting.add(new Ticket(pull, digest));
  }

  /**
   * Whether {@code pull} may start downloading {@code digest} now: a permit is free and no earlier waiter that
   * could start ({@code startable}: not already stored, not fetched by another pull) is ahead of it.
   */
  boolean mayStart(Object pull, String digest, Predicate<String> startable) {
    if (free == 0) {
      return false;
    }
    for (Ticket ticket : waiting) {
      if (ticket.pull() == pull && ticket.digest().equals(digest)) {
        return true;
      }
      if (startable.test(ticket.digest())) {
        return false;
      }
    }
    return false;
  }

  void acquire(Object pull, String digest) {
    withdraw(pull, digest);
    free--;
    changes++;
  }

  /** The layer no longer waits: started, found stored, or its pull ended. */
  void withdraw(Object pull, String digest) {
    waiting.removeIf(ticket -> ticket.pull() == pull && ticket.digest().equals(digest));
  }

  void withdrawAll(Object pull) {
    waiting.removeIf(ticket -> ticket.pull() == pull);
    unpackWaiters.remove(pull);
  }

  void release() {
    free++;
    changes++;
  }

  /** {@code pull} asks for an unpack permit for its next layer: true once it holds one, false while it waits in line. */
  boolean acquireUnpack(Object pull) {
    if (!unpackWaiters.contains(pull)) {
      unpackWaiters.add(pull);
    }
    if (freeUnpacks == 0 || unpackWaiters.peek() != pull) {
      return false;
    }
    unpackWaiters.poll();
    freeUnpacks--;
    changes++;
    return true;
  }

  /** A layer is extracted (or its pull stopped): its unpack permit goes to the next in line. */
  void releaseUnpack() {
    freeUnpacks++;
    changes++;
  }

  /** A layer of {@code bytes} starts downloading by chunks: every fetch in flight gets its share of the permits. */
  void fetchingByChunks(PullTraffic.Transfer download, long bytes, long now) {
    chunkedFetches.put(download, settings.requestsPerLayer(bytes));
    share(now);
  }

  /** A chunked download ended (done, failed or stopped): the others share its permits. */
  void fetchedByChunks(PullTraffic.Transfer download, long now) {
    if (chunkedFetches.remove(download) != null) {
      share(now);
    }
  }

  private void share(long now) {
    int requests = chunkedFetches.values().stream().mapToInt(Integer::intValue).sum();
    double share = Math.min(1, (double) settings.maxConcurrentDownloads() / Math.max(requests, 1));
    Map<PullTraffic.Transfer, Double> connections = new LinkedHashMap<>();
    chunkedFetches.forEach((download, layerRequests) -> connections.put(download, layerRequests * share));
    traffic.reconnect(connections, now);
  }
}
