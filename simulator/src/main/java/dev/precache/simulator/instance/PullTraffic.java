package dev.precache.simulator.instance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What concurrent pulls do to an instance, as fluids: layer downloads and layer unpacks, sharing the instance's
 * network (downloads), the data volume's throughput (downloads write the compressed bytes, unpacks the
 * uncompressed ones) and its cores (an unpack is one gzip stream, one core at full speed). Rates are max-min
 * fair (progressive filling) over connections (a layer fetched as parallel range requests is as many flows), each
 * download also capped by its registry's per-connection rate on each of its connections and each unpack
 * by the single-stream gzip rate. The network runs at its peak while the instance has network I/O credits
 * (bytes above its baseline, spent as downloads use more than the baseline) and at its baseline after (EC2's
 * "up to" types; credits earned below the baseline are not modelled: a build's pulls keep it busy). Rates change
 * only when a flow starts or ends or the credits run out, so between those events every flow's progress is
 * linear and the next event time is exact.
 */
public final class PullTraffic {
  /**
   * Single-stream gzip inflate, in compressed bytes per second: a 2.7 GiB layer took ~30 s to unpack with Go's
   * stdlib (containerd#13559, #13560; one observation), about 92 MiB/s.
   */
  public static final double UNPACK_BYTES_PER_SECOND = 2.7 * (1L << 30) / 30;

  enum State { ACTIVE, DONE, OUT_OF_SPACE, ABORTED }

  static final class Transfer {
    private final long totalBytes;
    private final double capBytesPerSecond;
    private final double networkPerByte;
    private final double volumePerByte;
    private final double coresPerBytePerSecond;
    private final long order;
    /** Registry connections carrying a download at once (fractions: time-shared permits); 1 for an unpack. */
    private double connections = 1;
    private double doneBytes;
    private double rate;
    private State state = State.ACTIVE;

    private long startedAtMillis;

    private Transfer(long totalBytes, double cap, double networkPerByte, double volumePerByte,
        double coresPerBytePerSecond, long order) {
      this.totalBytes = totalBytes;
      this.capBytesPerSecond = cap;
      this.networkPerByte = networkPerByte;
      this.volumePerByte = volumePerByte;
      this.coresPerBytePerSecond = coresPerBytePerSecond;
      this.order = order;
    }

    State state() {
      return state;
    }

    /** Bytes moved so far: downloaded for a download, compressed bytes read for an unpack. */
    long doneBytes() {
      return Math.round(doneBytes);
    }

    long startedAtMillis() {
      return startedAtMillis;
    }

    /** Bytes written to the volume so far: compressed for a download, uncompressed for an unpack. */
    long writtenBytes() {
      return Math.round(doneBytes * volumePerByte);
    }

    private double remaining() {
      return totalBytes - doneBytes;
    }

    /** Each connection carries at most the per-connection cap, and takes its own fair share of what is shared. */
    private double cap() {
      return capBytesPerSecond * connections;
    }
  }

  /** Work within half a byte of the end counts as done: rates are doubles, event times whole milliseconds. */
  private static final double EPSILON_BYTES = 0.5;

  private final HostSpec host;
  private final LongSupplier committedBytes;
  private final List<Transfer> active = new ArrayList<>();
  private long clock;
  private long started;
  /** Network I/O credits left: bytes the downloads may still move above the baseline rate. */
  private double burstCreditBytes;

  /** @param committedBytes bytes already on the volume outside this model (the containerd store) */
  PullTraffic(HostSpec host, LongSupplier committedBytes) {
    this.host = host;
    this.committedBytes = committedBytes;
    this.burstCreditBytes = host.networkBurstCreditBytes();
  }

  /** A layer download over one connection: the network and the volume, capped by the registry's per-connection rate. */
  Transfer download(long bytes, double capBytesPerSecond, long now) {
    return begin(new Transfer(bytes, capBytesPerSecond, 1, 1, 0, started++), now);
  }

  /** A layer unpack, measured in compressed bytes read: one core at most, the uncompressed bytes to the volume. */
  Transfer unpack(long compressedBytes, long unpackedBytes, long now) {
    double ratio = compressedBytes == 0 ? 1 : (double) unpackedBytes / compressedBytes;
    return begin(new Transfer(compressedBytes, UNPACK_BYTES_PER_SECOND, 0, ratio, 1 / UNPACK_BYTES_PER_SECOND,
        started++), now);
  }

  private Transfer begin(Transfer transfer, long now) {
    advanceTo(now);
    transfer.startedAtMillis = now;
    active.add(transfer);
    rebalance();
    return transfer;
  }

  /**
   * Downloads now carried by so many connections each (a layer fetched as parallel range requests): the cap grows
   * with them, and max-min fairness counts each connection as a flow of its own, as TCP shares a link.
   */
  void reconnect(Map<Transfer, Double> connections, long now) {
    advanceTo(now);
    connections.forEach((transfer, count) -> transfer.connections = count);
    rebalance();
  }

  void abort(Transfer transfer, long now) {
    advanceTo(now);
    if (active.remove(transfer)) {
      transfer.state = State.ABORTED;
      rebalance();
    }
  }

  double inFlightBytes() {
    return active.stream().mapToDouble(transfer -> transfer.doneBytes * transfer.volumePerByte).sum();
  }

  /** The network rate now: the peak while credits last, the baseline after. */
  double networkBytesPerSecond() {
    return burstCreditBytes > EPSILON_BYTES ? host.networkBytesPerSecond() : host.baselineNetworkBytesPerSecond();
  }

  /** The next time a flow completes, the volume fills or the burst credits run out; MAX_VALUE when nothing moves. */
  long nextEventAt() {
    long next = Long.MAX_VALUE;
    double overBaseline = networkUse() - host.baselineNetworkBytesPerSecond();
    if (burstCreditBytes > EPSILON_BYTES && overBaseline > 0) {
      next = clock + millisToWrite(burstCreditBytes, overBaseline);
    }
    double fillRate = 0;
    for (Transfer transfer : active) {
      fillRate += transfer.rate * transfer.volumePerByte;
      if (transfer.remaining() <= EPSILON_BYTES) {
        return clock;
      }
      if (transfer.rate > 0) {
        next = Math.min(next, clock + millisToWrite(transfer.remaining(), transfer.rate));
      }
    }
    if (fillRate > 0) {
      double free = host.dataVolume().capacityBytes() - committedBytes.getAsLong() - inFlightBytes();
      next = Math.min(next, clock + millisToWrite(Math.max(free, 0), fillRate));
    }
    return next;
  }

  void advanceTo(long now) {
    if (now <= clock) {
      return;
    }
    double seconds = (now - clock) / 1000.0;
    double overBaseline = networkUse() - host.baselineNetworkBytesPerSecond();
    if (overBaseline > 0) {
      burstCreditBytes = Math.max(0, burstCreditBytes - overBaseline * seconds);
    }
    for (Transfer transfer : active) {
      transfer.doneBytes = Math.min(transfer.totalBytes, transfer.doneBytes + transfer.rate * seconds);
    }
    clock = now;
  }

  /**
   * Settles the events due at {@code now}: when the volume is over-full, the flow with the most left to do
   * fails (it would hit ENOSPC first in a real race as often as not; this keeps it deterministic); then
   * finished flows complete.
   */
  void settle(long now) {
    advanceTo(now);
    while (!active.isEmpty()
        && committedBytes.getAsLong() + inFlightBytes() > host.dataVolume().capacityBytes() + EPSILON_BYTES) {
      Transfer victim = active.stream()
          .max(Comparator.comparingDouble(Transfer::remaining).thenComparingLong(transfer -> transfer.order))
          .orElseThrow();
      // Event times are whole milliseconds: the writes past the volume's end never happened; the victim's failed.
      double excess = committedBytes.getAsLong() + inFlightBytes() - host.dataVolume().capacityBytes();
      victim.doneBytes = Math.max(0, victim.doneBytes - excess / victim.volumePerByte);
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

  /**
   * Progressive filling: raise every unfrozen flow's rate equally, per connection, until a flow reaches its cap or
   * a resource (network, volume throughput, cores) is used up; freeze those flows; repeat.
   */
  private void rebalance() {
    double networkCapacity = networkBytesPerSecond();
    double network = networkCapacity;
    double volume = host.dataVolume().throughputBytesPerSecond();
    double cores = host.vcpus();
    List<Transfer> unfrozen = new ArrayList<>(active);
    unfrozen.forEach(transfer -> transfer.rate = 0);
    while (!unfrozen.isEmpty()) {
      double networkUse = unfrozen.stream().mapToDouble(t -> t.connections * t.networkPerByte).sum();
      double volumeUse = unfrozen.stream().mapToDouble(t -> t.connections * t.volumePerByte).sum();
      double coreUse = unfrozen.stream().mapToDouble(t -> t.connections * t.coresPerBytePerSecond).sum();
      double step = unfrozen.stream().mapToDouble(t -> (t.cap() - t.rate) / t.connections).min().orElseThrow();
      step = Math.min(step, limit(network, networkUse));
      step = Math.min(step, limit(volume, volumeUse));
      step = Math.min(step, limit(cores, coreUse));
      step = Math.max(step, 0);
      for (Transfer transfer : unfrozen) {
        transfer.rate += step * transfer.connections;
      }
      network -= step * networkUse;
      volume -= step * volumeUse;
      cores -= step * coreUse;
      boolean networkFull = networkUse > 0 && network <= 1e-9 * networkCapacity;
      boolean volumeFull = volumeUse > 0 && volume <= 1e-9 * host.dataVolume().throughputBytesPerSecond();
      boolean coresFull = coreUse > 0 && cores <= 1e-9;
      unfrozen.removeIf(t -> t.cap() - t.rate <= 1e-9 * t.cap()
          || networkFull && t.networkPerByte > 0 || volumeFull && t.volumePerByte > 0
          || coresFull && t.coresPerBytePerSecond > 0);
    }
  }

  private double networkUse() {
    return active.stream().mapToDouble(transfer -> transfer.rate * transfer.networkPerByte).sum();
  }

  private static double limit(double capacity, double use) {
    return use > 0 ? capacity / use : Double.MAX_VALUE;
  }

  private static long millisToWrite(double bytes, double bytesPerSecond) {
    return Math.max(1, (long) Math.ceil(bytes / bytesPerSecond * 1000));
  }
}
