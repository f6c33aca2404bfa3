package dev.precache.activities;

import dev.precache.workflows.InstanceActivities.PullProgress;
import dev.precache.workflows.InstanceActivities.PullSpec;
import dev.precache.workflows.ResolvedLayer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationRequest;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.InvocationDoesNotExistException;
import software.amazon.awssdk.services.ssm.model.SendCommandRequest;

/**
 * How far one pull has got, for the people watching it. SSM returns a command's output only once it ends, so the
 * pull's own command cannot say; a short second command can: {@code ctr content active} (the bytes each layer
 * download has written) and {@code ctr content ls} of the pull's layers not yet seen complete. It is driven by the
 * pull's wait loop, one step per poll, and never waits itself: a poll sends a probe, later polls read it. A probe
 * that fails, or an SSM call that is refused, is skipped and the figures stay as they were: nothing depends on them.
 */
final class PullProbe {

  private static final Logger log = LoggerFactory.getLogger(PullProbe.class);
  /**
   * A probe is sent at most once per this many poll intervals (15 s at the production 5 s): each is an SSM
   * command in the instance's command history, beside the pull's own.
   */
  static final int POLLS_PER_PROBE = 3;
  /** A probe lists two tables of a few lines; one still running after this is given up. */
  private static final Duration PROBE_EXECUTION_TIMEOUT = Duration.ofSeconds(60);

  private final SsmClient ssm;
  private final PullSpec pull;
  private final Duration every;
  private final long totalBytes;
  private final Set<String> complete = new HashSet<>();
  /** The first probe one probe interval into the pull: a pull done sooner needs no figures, nor its calls. */
  private Instant nextProbe;
  private String probing;
  private Instant probeSent;
  private int probes;
  private Sample last;
  private Long bytesPerSecond;

  /** What a probe found, at the instant it ran on the instance. */
  private record Sample(Instant at, long bytes) {}

  /** @param every the shortest time between two probes */
  PullProbe(SsmClient ssm, PullSpec pull, Duration every) {
    this.ssm = ssm;
    this.pull = pull;
    this.every = every;
    this.nextProbe = Instant.now().plus(every);
    this.totalBytes = distinct(pull.layers()).stream().mapToLong(ResolvedLayer::compressedBytes).sum();
  }

  /** One step of the probe, then the heartbeat of the pull's command with the figures as last probed. */
  PullProgress poll(String pullCommandId) {
    try {
      if (probing != null) {
        read();
      }
      if (probing == null && !Instant.now().isBefore(nextProbe)) {
        send();
      }
    } catch (SdkException e) {
      skip(AwsFailures.summary(e));
    } catch (RuntimeException unreadable) {
      skip(unreadable.toString()); // an answer this cannot read must not fail the pull it only reports on
    }
    return new PullProgress(pullCommandId, pull.image(), pull.platform(), last == null ? null : last.bytes(),
        last == null ? null : totalBytes, bytesPerSecond);
  }

  private void skip(String why) {
    log.debug("{} {}: progress probe skipped: {}", pull.image(), pull.platform(), why);
    probing = null;
    nextProbe = Instant.now().plus(every);
  }

  /** A layer twice in a manifest is downloaded and stored once. */
  private static List<ResolvedLayer> distinct(List<ResolvedLayer> layers) {
    Set<String> seen = new HashSet<>();
    return layers.stream().filter(layer -> seen.add(layer.digest())).toList();
  }

  private void send() {
    List<String> unseen = pull.layers().stream().map(ResolvedLayer::digest).distinct()
        .filter(digest -> !complete.contains(digest)).limit(Containerd.BLOBS_PER_LISTING).toList();
    List<String> commands = unseen.isEmpty() ? List.of(Containerd.LIST_ACTIVE_DOWNLOADS)
        : List.of(Containerd.LIST_ACTIVE_DOWNLOADS, Containerd.listContent(unseen));
    probing = ssm.sendCommand(SendCommandRequest.builder()
            .instanceIds(pull.instanceId())
            .documentName(CommandRunner.DOCUMENT)
            .comment(CommandRunner.comment("probe " + (++probes) + " of pull " + pull.image() + " " + pull.platform()))
            .timeoutSeconds((int) CommandRunner.DELIVERY_TIMEOUT.toSeconds())
            .parameters(Map.of(
                "commands", List.of(Containerd.inOneCommand(commands)),
                "executionTimeout", List.of(String.valueOf(PROBE_EXECUTION_TIMEOUT.toSeconds()))))
            .build())
        .command().commandId();
    probeSent = Instant.now();
    nextProbe = probeSent.plus(every);
  }

  private void read() {
    GetCommandInvocationResponse invocation;
    try {
      invocation = ssm.getCommandInvocation(GetCommandInvocationRequest.builder()
          .commandId(probing).instanceId(pull.instanceId()).build());
    } catch (InvocationDoesNotExistException notYet) {
      giveUpIfStale();
      return;
    }
    switch (invocation.status()) {
      case SUCCESS -> {
        probing = null;
        record(invocation);
      }
      case PENDING, IN_PROGRESS, DELAYED -> giveUpIfStale();
      default -> probing = null; // failed, timed out, cancelled: the next probe may do better
    }
  }

  private void giveUpIfStale() {
    if (Instant.now().isAfter(probeSent.plus(CommandRunner.DELIVERY_TIMEOUT).plus(PROBE_EXECUTION_TIMEOUT))) {
      probing = null;
    }
  }

  private void record(GetCommandInvocationResponse invocation) {
    List<String> sections = Containerd.sections(invocation.standardOutputContent() == null ? ""
        : invocation.standardOutputContent());
    Map<String, Long> downloading = Containerd.parseActiveDownloads(sections.get(0));
    if (sections.size() > 1) {
      complete.addAll(Containerd.parseContentList(sections.get(1)));
    }
    long bytes = 0;
    for (ResolvedLayer layer : distinct(pull.layers())) {
      bytes += complete.contains(layer.digest()) ? layer.compressedBytes()
          : Math.min(layer.compressedBytes(), downloading.getOrDefault(layer.digest(), 0L));
    }
    // The instance's clock (SSM's execution start), not when this poll read the answer: polls lag by up to one.
    Instant at = CommandRunner.executionStart(invocation).orElseGet(Instant::now);
    long millis = last == null ? 0 : Duration.between(last.at(), at).toMillis();
    if (millis > 0) {
      bytesPerSecond = Math.max(0, (bytes - last.bytes()) * 1000 / millis);
    }
    last = new Sample(at, bytes);
  }
}
