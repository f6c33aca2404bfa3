package dev.precache.simulator.instance;

import dev.precache.simulator.instance.CatalogImage.Layer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * One pull's unpacks, the layers of each platform in order, each into the snapshot of its chain ID. Two ways, as
 * containerd has them (core/unpack/unpacker.go {@code unpack}, v2.2):
 * <ul>
 *   <li>in order (no unpack limiter: containerd before 2.2, a client-side pull, or {@code max_concurrent_unpacks}
 *   of 1): a layer is extracted onto its parent once its blob is in and its parent is committed;</li>
 *   <li>in parallel (2.2's transfer service with an unpack limiter): in layer order, each layer takes one of the
 *   instance's unpack permits ({@link TransferService#acquireUnpack}) and holds it while its blob comes in and while
 *   it is extracted into a snapshot of its own; the snapshots are committed onto their parents in order after.</li>
 * </ul>
 * A chain that another unpack is making is waited for, as containerd's per-chain lock makes it; in parallel the lock
 * is held from taking the layer's turn until its commit.
 */
final class LayerUnpacks {

  /** One layer of one platform, in unpack order, with its chain ID. */
  record Step(Layer layer, String chainId) {}

  /** A layer that holds an unpack permit: waiting for its blob, extracting, or extracted and waiting to commit. */
  private static final class Turn {
    private final Step step;
    private PullTraffic.Transfer extracting;
    private boolean extracted;

    private Turn(Step step) {
      this.step = step;
    }
  }

  private final PullJob.Environment environment;
  private final Object pull;
  private final boolean parallel;
  private final Deque<Step> toUnpack = new ArrayDeque<>();
  /** In order, the one layer extracting; in parallel, every layer that holds a permit, until it commits. */
  private final Deque<Turn> turns = new ArrayDeque<>();
  /** In parallel, the next layer: it holds its chain's lock and waits in line for a permit. */
  private Step waitingForPermit;

  LayerUnpacks(PullJob.Environment environment, Object pull, boolean parallel) {
    this.environment = environment;
    this.pull = pull;
    this.parallel = parallel;
  }

  void add(Step step) {
    toUnpack.add(step);
  }

  boolean done() {
    return toUnpack.isEmpty() && turns.isEmpty();
  }

  /**
   * Collects the extractions that ended, commits what may commit, and starts what may start ({@code mayStart}: the
   * pull lets unpacks begin before its fetch is done). Returns the error ctr prints when the volume filled up under
   * an extraction, null otherwise.
   */
  String advance(long now, boolean mayStart) {
    ContainerdStore store = environment.store();
    for (Turn turn : turns) {
      if (turn.extracting == null) {
        continue;
      }
      if (turn.extracting.state() == PullTraffic.State.OUT_OF_SPACE) {
        turn.extracting = null;
        return "ctr: failed to extract layer " + turn.step.layer().diffId()
            + ": write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/"
            + (Math.abs(turn.step.chainId().hashCode()) % 1000) + "/fs/data: no space left on device: unknown";
      }
      if (turn.extracting.state() == PullTraffic.State.DONE) {
        turn.extracting = null;
        turn.extracted = true;
        // The extracted tree is on the volume from now on, committed or not.
        store.addSnapshot(turn.step.chainId(), turn.step.layer().unpackedSize());
        if (parallel) {
          environment.transferService().releaseUnpack();
        }
      }
    }
    while (!turns.isEmpty() && turns.peek().extracted) {
      Step committed = turns.poll().step;
      store.labelBlob(committed.layer().digest(), "containerd.io/uncompressed", committed.layer().diffId());
      environment.inFlight().remove(committed.chainId());
    }
    if (mayStart) {
      if (parallel) {
        takeTurns();
      } else if (turns.isEmpty()) {
        nextInOrder();
      }
    }
    for (Turn turn : turns) {
      if (!turn.extracted && turn.extracting == null && store.holdsBlob(turn.step.layer().digest())) {
        turn.extracting = environment.traffic().unpack(turn.step.layer().size(), turn.step.layer().unpackedSize(), now);
        environment.inFlight().put(turn.step.chainId(), turn.extracting);
      }
    }
    return null;
  }

  /** The next layer, once its blob is in; a chain already committed is passed over. */
  private void nextInOrder() {
    ContainerdStore store = environment.store();
    Map<String, PullTraffic.Transfer> inFlight = environment.inFlight();
    while (!toUnpack.isEmpty()) {
      Step step = toUnpack.peek();
      if (store.holdsSnapshot(step.chainId())) {
        toUnpack.poll();
      } else if (!store.holdsBlob(step.layer().digest()) || inFlight.containsKey(step.chainId())) {
        return; // its blob is still downloading, or another pull unpacks the same chain
      } else {
        turns.add(new Turn(toUnpack.poll()));
        inFlight.put(step.chainId(), null);
        return;
      }
    }
  }

  /** In layer order, each layer locks its chain and takes an unpack permit; the first that must wait stops the rest. */
  private void takeTurns() {
    ContainerdStore store = environment.store();
    Map<String, PullTraffic.Transfer> inFlight = environment.inFlight();
    while (!toUnpack.isEmpty()) {
      Step step = toUnpack.peek();
      if (step != waitingForPermit) {
        if (inFlight.containsKey(step.chainId())) {
          return; // another unpack holds the chain's lock until it commits
        }
        if (store.holdsSnapshot(step.chainId())) {
          toUnpack.poll();
          continue;
        }
        inFlight.put(step.chainId(), null);
        waitingForPermit = step;
      }
      if (!environment.transferService().acquireUnpack(pull)) {
        return;
      }
      waitingForPermit = null;
      turns.add(new Turn(toUnpack.poll()));
    }
  }

  /** The pull stopped: extractions end, permits go back, chains are unlocked; extracted trees stay. */
  void stop(long now) {
    TransferService service = environment.transferService();
    for (Turn turn : turns) {
      if (turn.extracting != null) {
        environment.traffic().abort(turn.extracting, now);
      }
      if (parallel && !turn.extracted) {
        service.releaseUnpack();
      }
      environment.inFlight().remove(turn.step.chainId());
    }
    turns.clear();
    if (waitingForPermit != null) {
      environment.inFlight().remove(waitingForPermit.chainId());
      waitingForPermit = null;
    }
    service.withdrawAll(pull);
  }
}
