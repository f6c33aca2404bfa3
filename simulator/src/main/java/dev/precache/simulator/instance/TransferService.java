package dev.precache.simulator.instance;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * containerd 2.x's transfer service, the part that paces downloads: ONE semaphore of {@code max_concurrent_downloads}
 * (3 by default, plugins/transfer/plugin.go defaultConfig) made when the service starts
 * (core/transfer/local/transfer.go NewTransferService: {@code ts.limiterD}) and handed to every pull's resolver
 * (core/transfer/local/pull.go: {@code WithDownloadLimiter(ts.limiterD)}), which holds a permit from opening a
 * layer's HTTP body to closing it (core/remotes/docker/fetcher.go {@code open}, containerd v2.1). So every
 * transfer-service pull on the instance shares those 3 downloads, not 3 each. Waiters are served first come,
 * first served (golang.org/x/sync/semaphore is FIFO): a pull's layers queue when it resolves.
 */
final class TransferService {
  /** {@code max_concurrent_downloads} of the transfer plugin: containerd's default, which Bottlerocket keeps. */
  static final int MAX_CONCURRENT_DOWNLOADS = 3;

  private record Ticket(Object pull, String digest) {}

  private final List<Ticket> waiting = new ArrayList<>();
  private int free = MAX_CONCURRENT_DOWNLOADS;

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
  }

  /** The layer no longer waits: started, found stored, or its pull ended. */
  void withdraw(Object pull, String digest) {
    waiting.removeIf(ticket -> ticket.pull() == pull && ticket.digest().equals(digest));
  }

  void withdrawAll(Object pull) {
    waiting.removeIf(ticket -> ticket.pull() == pull);
  }

  void release() {
    free++;
  }
}
