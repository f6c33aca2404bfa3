package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.workflows.CopyActivities;
import dev.precache.workflows.SnapshotContent;
import dev.precache.workflows.SnapshotLifecycle;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --copy-to-region} and {@code --share-with-account} through the CLI, the worker and the AWS SDK: the
 * snapshot lands in a second simulated region with its content tags, is published there, and is shared. (The SDK
 * presigns CopySnapshot for the source region; without an explicit DestinationRegion it parses the region from the
 * endpoint's host name, which fails on 127.0.0.1 before any request is sent: the build then hung in step 9.)
 */
class CopyEndToEndTest {
  private static final double TIME_SCALE = 0.005;
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  private static final String EAST = "us-east-1";
  private static final String PARAMETER = "/precache/copied";
  private static final String ACCOUNT = "210987654321";

  private LocalCloud local;

  @AfterEach
  void stop() throws Exception {
    if (local != null) {
      local.close();
    }
  }

  @Test
  void aCopyLandsInTheSecondRegionAndIsPublishedThere() throws Exception {
    local = LocalCloud.start(TIME_SCALE);
    Cloud cloud = local.cloud();

    CliRun build = local.runCli("build", "-r", LocalCloud.REGION, "--name", "copied", "-op", PARAMETER,
        "--copy-to-region", EAST, "--share-with-account", ACCOUNT, BUSYBOX);

    assertThat(build.exitCode()).as(build.err()).isZero();
    Snapshot source = cloud.region(LocalCloud.REGION).ec2().allSnapshots().iterator().next();
    Snapshot copy;
    synchronized (cloud) {
      assertThat(cloud.region(EAST).ec2().allSnapshots()).hasSize(1);
      copy = cloud.region(EAST).ec2().allSnapshots().iterator().next();
      assertThat(copy.progress(cloud.clock().nowMillis()).status()).isEqualTo("completed");
      assertThat(cloud.region(EAST).ssm().parameter(PARAMETER).value()).isEqualTo(copy.id());
      assertThat(cloud.region(LocalCloud.REGION).ssm().parameter(PARAMETER).value()).isEqualTo(source.id());
      assertThat(cloud.region(EAST).ec2().volumePermissions(copy.id())).containsExactly(ACCOUNT);
      assertThat(cloud.region(LocalCloud.REGION).ec2().volumePermissions(source.id())).containsExactly(ACCOUNT);
    }
    // Every content tag (name, content hash, sizes, the image list) as on the source; published in its region.
    Map<String, String> contentTags = new TreeMap<>(source.tags());
    contentTags.keySet().removeIf(key -> !key.startsWith("precache:") || key.equals(SnapshotLifecycle.STATE));
    assertThat(contentTags).containsKeys(SnapshotContent.NAME, SnapshotContent.CONTENT, SnapshotContent.IMAGES_PREFIX + 1);
    assertThat(copy.tags()).containsAllEntriesOf(contentTags)
        .containsEntry(SnapshotContent.NAME, "copied")
        .containsEntry(CopyActivities.SOURCE_SNAPSHOT, LocalCloud.REGION + "/" + source.id())
        .containsEntry(SnapshotLifecycle.STATE, SnapshotLifecycle.PUBLISHED);
    assertThat(source.tags()).containsEntry(SnapshotLifecycle.STATE, SnapshotLifecycle.PUBLISHED);
    assertThat(copy.contents()).isEqualTo(source.contents());
    assertThat(build.out()).contains("  copied to " + EAST + ": " + copy.id() + ", published to SSM parameter "
        + PARAMETER + " there");

    CliRun list = local.runCli("snapshots", "list", "-r", EAST, "-o", "json");
    assertThat(list.exitCode()).as(list.err()).isZero();
    JsonNode listed = new ObjectMapper().readTree(list.out()).get("snapshots").get(0);
    assertThat(listed.get("snapshotId").asText()).isEqualTo(copy.id());
    assertThat(listed.get("sourceSnapshotId").asText()).isEqualTo(source.id());
    assertThat(listed.get("usedBy").get(0).asText()).isEqualTo("SSM parameter " + PARAMETER);
    assertNothingLeft(cloud);
  }

  @Test
  void aBadCopyOrAccountIsRefusedWithNothingStarted() throws Exception {
    local = LocalCloud.start(TIME_SCALE);

    CliRun sameRegion = local.runCli("build", "-r", LocalCloud.REGION, "--copy-to-region", LocalCloud.REGION, BUSYBOX);
    CliRun account = local.runCli("build", "-r", LocalCloud.REGION, "--share-with-account", "12345", BUSYBOX);

    assertThat(sameRegion.exitCode()).isEqualTo(2);
    assertThat(sameRegion.err()).contains("--copy-to-region");
    assertThat(account.exitCode()).isEqualTo(2);
    assertThat(account.err()).contains("--share-with-account", "12-digit");
    assertThat(local.cloud().allStacks()).isEmpty();
  }
}
