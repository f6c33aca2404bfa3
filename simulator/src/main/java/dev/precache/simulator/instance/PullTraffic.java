package dev.precache.simulator.instance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The bytes concurrent pulls write, as a fluid: the instance's bottleneck — min(network, volume
 * throughput) — is shared max-min fairly among active transfers, each also capped by its registry's
 * per-pull rate. Rates change only when a transfer starts or ends, so between those events every
 * transfer's progress is linear and the next event time is exact.
 */
final class PullTraffic {
  enum State { ACTIVE, DONE, OUT_OF_SPACE, ABORTED }

  static final class Transfer {
    private final long totalBytes;
    private final double capBytesPerSecond;
    private final long order;
    private double writtenBytes;
    private double rate;
    private State state = State.ACTIVE;

    private Transfer(long totalBytes, double capBytesPerSecond, long order) {
      this.totalBytes = totalBytes;
      this.capBytesPerSecond = capBytesPerSecond;
      this.order = order;
    }

    State state() {
      return state;
    }

    private double remaining() {
      return totalBytes - writtenBytes;
    }
  }

  /** Writes within half a byte of the end count as done: rates are doubles, event times whole milliseconds. */
  private static final double EPSILON_BYTES = 0.5;

  private final HostSpec host;
  private final LongSupplier committedBytes;
  private final List<Transfer> active = new ArrayList<>();
  private long clock;
  private long started;

  /** @param committedBytes bytes already on the volume outside this model (the containerd store) */
  PullTraffic(HostSpec host, LongSupplier committedBytes) {
    this.host = host;
    this.committedBytes = committedBytes;
  }

  Transfer begin(long bytes, double capBytesPerSecond, long now) {
    advanceTo(now);
    Transfer transfer = new Transfer(bytes, capBytesPerSecond, started++);
    active.add(transfer);
    rebalance();
    return transfer;
  }

  void abort(Transfer transfer, long now) {
    advanceTo(now);
    if (active.remove(transfer)) {
      transfer.state = State.ABORTED;
      rebalance();
    }
  }

  double inFlightBytes() {
    return active.stream().mapToDouble(transfer -> transfer.writtenBytes).sum();
  }

  /** The next time a transfer completes or the volume fills; MAX_VALUE when nothing is moving. */
  long nextEventAt() {
    long next = Long.MAX_VALUE;
    double totalRate = 0;
    for (Transfer transfer : active) {
      totalRate += transfer.rate;
      if (transfer.remaining() <= EPSILON_BYTES) {
        return clock;
      }
      if (transfer.rate > 0) {
        next = Math.min(next, clock + millisToWrite(transfer.remaining(), transfer.rate));
      }
    }
    if (totalRate > 0) {
      double free = host.dataVolume().capacityBytes() - committedBytes.getAsLong() - inFlightBytes();
      next = Math.min(next, clock + millisToWrite(Math.max(free, 0), totalRate));
    }
    return next;
  }

  void advanceTo(long now) {
    if (now <= clock) {
      return;
    }
    double seconds = (now - clock) / 1000.0;
    for (Transfer transfer : active) {
      transfer.writtenBytes = Math.min(transfer.totalBytes, transfer.writtenBytes + transfer.rate * seconds);
    }
    clock = now;
  }

  /**
   * Settles the events due at {@code now}: when the volume is over-full, the transfer with the most
   * left to write fails (it would hit ENOSPC first in a real race as often as not; this keeps it
   * deterministic) and its bytes are released; then finished transfers complete.
   */
  void settle(long now) {
    advanceTo(now);
    while (committedBytes.getAsLong() + inFlightBytes() > host.dataVolume().capacityBytes() + EPSILON_BYTES) {
      Transfer victim = active.stream()
          .max(Comparator.comparingDouble(Transfer::remaining).thenComparingLong(transfer -> transfer.order))
          .orElseThrow();
      victim.state = State.OUT_OF_SPACE;
      active.remove(victim);
    }
    active.removeIf(transfer -> {
      if (transfer.remaining() > EPSILON_BYTES) {
        return false;
      }
      transfer.state = State.DONE;
      return true;
    });
    rebalance();
  }

  private void rebalance() {
    double available = Math.min(host.networkBytesPerSecond(), host.dataVolume().throughputBytesPerSecond());
    List<Transfer> byCap = new ArrayList<>(active);
    byCap.sort(Comparator.comparingDouble((Transfer transfer) -> transfer.capBytesPerSecond)
        .thenComparingLong(transfer -> transfer.order));
    int left = byCap.size();
    for (Transfer transfer : byCap) {
      transfer.rate = Math.min(transfer.capBytesPerSecond, available / left);
      available -= transfer.rate;
      left--;
    }
  }

  private static long millisToWrite(double bytes, double bytesPerSecond) {
    return Math.max(1, (long) Math.ceil(bytes / bytesPerSecond * 1000));
  }
}
