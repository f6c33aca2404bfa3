package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.RequestLog.Call;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.workflows.SnapshotLifecycle;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Retention through the CLI, the worker and the AWS SDK against the simulator: {@code build --keep} and
 * {@code snapshots prune} delete old snapshots but keep the published one and the one with Fast Snapshot Restore.
 */
class RetentionEndToEndTest {
  private static final double TIME_SCALE = 0.005;
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  private static final String PARAMETER = "/precache/nightly";
  private static final String ZONE = LocalCloud.REGION + "a";

  private LocalCloud local;

  @AfterEach
  void stop() throws Exception {
    if (local != null) {
      local.close();
    }
  }

  private CliRun cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("-r", LocalCloud.REGION));
    return local.runCli(all.toArray(String[]::new));
  }

  /** A forced build of the same name, so each run makes a new snapshot; returns its ID. */
  private String build(String... flags) {
    List<String> args = new ArrayList<>(List.of("build", "--name", "nightly", "--force", "-q"));
    args.addAll(List.of(flags));
    args.add(BUSYBOX);
    CliRun run = cli(args.toArray(String[]::new));
    assertThat(run.exitCode()).as(run.err()).isZero();
    return run.out().strip();
  }

  @Test
  void keepsThePublishedAndTheFastRestoreSnapshotsAndDeletesTheRest() throws Exception {
    local = LocalCloud.start(TIME_SCALE);
    Cloud cloud = local.cloud();
    String published = build("-op", PARAMETER);
    String plain = build();
    String fastRestored = build("--fast-restore", ZONE);

    CliRun dryRun = cli("snapshots", "prune", "--name", "nightly", "--keep", "1", "--dry-run");
    assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
    assertThat(line(dryRun.out(), published)).contains("keep", "in use: SSM parameter " + PARAMETER);
    assertThat(line(dryRun.out(), fastRestored)).contains("keep", "in use: Fast Snapshot Restore (" + ZONE + ")");
    assertThat(dryRun.out()).contains("Would delete 1 of 3 snapshot(s)");
    assertThat(line(dryRun.out(), plain)).contains("would delete",
        "older than the newest 1 completed of 'nightly' in us-west-2");
    assertThat(cloud.snapshot(plain)).isPresent();

    // A fourth build with --keep 1: it stays as the newest, the published and FSR ones as in use, the third goes.
    String newest = build("--keep", "1");
    assertThat(cloud.snapshot(plain)).isEmpty();
    assertThat(cloud.allSnapshots()).extracting(Snapshot::id)
        .containsExactlyInAnyOrder(published, fastRestored, newest);
    List<Call> tagged = cloud.requests().calls("ec2", "CreateTags");
    List<Call> deleted = cloud.requests().calls("ec2", "DeleteSnapshot");
    assertThat(deleted).hasSize(1);
    assertThat(tagged.get(tagged.size() - 1).simMillis()).isLessThanOrEqualTo(deleted.get(0).simMillis());

    CliRun list = cli("snapshots", "list", "--name", "nightly", "-o", "json");
    assertThat(list.exitCode()).as(list.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(list.out());
    assertThat(StreamSupport.stream(json.get("snapshots").spliterator(), false).map(s -> s.get("snapshotId").asText()))
        .containsExactly(newest, fastRestored, published);
    JsonNode publishedEntry = StreamSupport.stream(json.get("snapshots").spliterator(), false)
        .filter(s -> s.get("snapshotId").asText().equals(published)).findFirst().orElseThrow();
    assertThat(publishedEntry.get("usedBy").get(0).asText()).isEqualTo("SSM parameter " + PARAMETER);
    assertThat(publishedEntry.get("content").asText()).startsWith("sha256:");
    assertThat(publishedEntry.get("tags").get(SnapshotLifecycle.STATE).asText()).isEqualTo(SnapshotLifecycle.PUBLISHED);
    assertNothingLeft(cloud);
  }

  @Test
  void aKeepOutOfRangeIsRefusedWithNothingStarted() throws Exception {
    local = LocalCloud.start(TIME_SCALE);

    CliRun prune = cli("snapshots", "prune", "--keep", "0");
    CliRun build = cli("build", "--keep", "0", BUSYBOX);

    assertThat(prune.exitCode()).isEqualTo(2);
    assertThat(prune.err()).contains("invalid --keep (must be between 1 and 1000, got 0)");
    assertThat(build.exitCode()).isEqualTo(2);
    assertThat(build.err()).contains("--keep");
    assertThat(local.cloud().allStacks()).isEmpty();
  }

  private static String line(String out, String snapshotId) {
    return out.lines().filter(l -> l.startsWith(snapshotId)).findFirst().orElseThrow();
  }
}
