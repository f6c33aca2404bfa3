package dev.precache.simulator.instance;

import dev.precache.simulator.instance.PullJob.PullFault;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.HashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * What runs on one instance: containerd's image store on the data volume (it survives stop and start),
 * kubelet, and the Run Command scripts in flight. Nothing moves on its own: every call brings the
 * simulated time, and the runtime first plays all events up to it, in time order, so results depend only
 * on the times given. Calls with an earlier time than already seen act at the latest time seen.
 */
public final class InstanceRuntime {
  private final HostSpec host;
  private final ContainerdStore store = new ContainerdStore();
  private final PullTraffic traffic;
  private final TransferService transferService;
  private final List<PullFault> faults = new CopyOnWriteArrayList<>();
  private final Commands commands;
  private final List<Execution> running = new ArrayList<>();
  private volatile Function<String, Optional<String>> registryFailure = registryHost -> Optional.empty();
  private long clock;

  public InstanceRuntime(HostSpec host, RegistryCatalog registry) {
    this(host, registry, List.of());
  }

  public InstanceRuntime(HostSpec host, RegistryCatalog registry, List<VolumeImage> restoredContents) {
    this(host, registry, restoredContents, InstanceRole.none());
  }

  /**
   * An instance whose data volume was created from a snapshot holding these images, and whose programs call AWS
   * as this role.
   */
  public InstanceRuntime(HostSpec host, RegistryCatalog registry, List<VolumeImage> restoredContents, InstanceRole role) {
    this(host, registry, restoredContents, role, "i-local", InstanceAwsCalls.unreachable());
  }

  /** ... and whose programs reach these AWS APIs, as the role, through the instance {@code instanceId}'s IMDS. */
  public InstanceRuntime(HostSpec host, RegistryCatalog registry, List<VolumeImage> restoredContents, InstanceRole role,
      String instanceId, InstanceAwsCalls aws) {
    this.host = host;
    this.traffic = new PullTraffic(host, store::usedBytes);
    this.transferService = new TransferService(host.containerRuntime(), traffic);
    PullJob.Environment environment = new PullJob.Environment(host, registry, store, traffic, faults, new HashMap<>(),
        registryHost -> registryFailure.apply(registryHost), transferService);
    this.commands = new Commands(new Ctr(environment, () -> clock), new DiskFree(host, this::usedBytes),
        new EcrCredentialProvider(registry, role),
        new DiskRead(host, () -> clock), new Curl(new InstanceMetadata(role, instanceId), aws, role, () -> clock));
    for (VolumeImage image : restoredContents) {
      CatalogImage version = registry.imageByIndexDigest(image.indexDigest()).orElseThrow(() ->
          new IllegalArgumentException("restored volume: the registries never served index " + image.indexDigest()));
      store.restore(image.namespace(), image.image(), version, registry.manifestByDigest(image.digest()).orElseThrow(),
          image.labels());
    }
    store.forgetWrites();
  }

  /**
   * Starts an AWS-RunShellScript document in the control container.
   *
   * @param commandText the document's commands joined by "\n", {{ssm:...}} already resolved
   */
  public synchronized Execution start(String commandText, long nowSimMillis) {
    advanceTo(nowSimMillis);
    Job.Io io = new Job.Io("", new StringBuilder(), new StringBuilder());
    Execution execution = new Execution(this, commands.script(commandText, Commands.Context.CONTROL_CONTAINER, io, "sh"), io);
    execution.root().start(clock);
    if (execution.root().finished()) {
      execution.finished(clock);
    } else {
      running.add(execution);
    }
    return execution;
  }

  /** The instance stopped: every running command fails, pulls in flight lose what they wrote. */
  public synchronized void interruptAll(long nowSimMillis) {
    advanceTo(nowSimMillis);
    running.forEach(execution -> execution.end(ExecutionStatus.State.FAILED, clock));
    running.clear();
  }

  /** The instance started again: kubelet is enabled, so it runs. */
  public synchronized void boot(long nowSimMillis) {
    advanceTo(nowSimMillis);
    commands.boot();
  }

  public synchronized List<VolumeImage> volumeContents() {
    return store.contents();
  }

  /** Bytes on the data volume: containerd's content, snapshots, ingests and metadata, plus what is being written. */
  public synchronized long usedBytes() {
    return store.usedBytes() + Math.round(traffic.inFlightBytes());
  }

  /**
   * Bytes written to the data volume since it was created or restored from its snapshot, what is being
   * written included: the blocks an incremental snapshot of it stores.
   */
  public synchronized long writtenBytes() {
    return store.writtenBytes() + Math.round(traffic.inFlightBytes());
  }

  public synchronized boolean kubeletRunning() {
    return commands.kubeletActive();
  }

  /** Fault injection: pulls of references the pattern finds fail at resolve time with this message. */
  public void failPullsMatching(Pattern imagePattern, String message) {
    faults.add(new PullFault(imagePattern, message));
  }

  /** Fault injection: the HTTP status ("429 Too Many Requests") a registry host answers a pull's resolve with, if any. */
  public void useRegistryFailures(Function<String, Optional<String>> statusForHost) {
    this.registryFailure = statusForHost;
  }

  public void clearPullFaults() {
    faults.clear();
  }

  public String instanceId() {
    return host.instanceId();
  }

  synchronized void cancel(Execution execution, long nowSimMillis) {
    advanceTo(nowSimMillis);
    if (running.remove(execution)) {
      execution.end(ExecutionStatus.State.CANCELLED, clock);
    }
  }

  /** Plays every event — a command step ending, a transfer finishing, the volume filling — up to {@code now}. */
  synchronized void advanceTo(long now) {
    long target = Math.max(now, clock);
    while (true) {
      long next = traffic.nextEventAt();
      for (Execution execution : running) {
        next = Math.min(next, execution.root().dueAt());
      }
      if (next > target) {
        break;
      }
      clock = Math.max(next, clock);
      traffic.settle(clock);
      // A pull may wait on what another pull stored or gave back at this instant: play it until nothing changes.
      long before;
      do {
        before = store.changes() + transferService.changes();
        for (Execution execution : List.copyOf(running)) {
          execution.root().advance(clock);
          if (execution.root().finished()) {
            execution.finished(clock);
            running.remove(execution);
          }
        }
      } while (store.changes() + transferService.changes() != before);
    }
    traffic.advanceTo(target);
    clock = target;
  }
}
