package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.instance.VolumeImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Incremental rebuilds through the CLI, the worker and the simulator's EC2, SSM and containerd: the volume created
 * from the newest snapshot, only the changed image's new layers pulled and stored, and a child that restores
 * whole once its parent is deleted.
 */
class IncrementalEndToEndTest {
  private static final double TIME_SCALE = 0.005;
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  private static final String NGINX = "docker.io/library/nginx:1.27";

  private LocalCloud local;

  @AfterEach
  void stop() throws Exception {
    if (local != null) {
      local.close();
    }
  }

  private CliRun build(String... flagsThenImages) {
    List<String> args = new ArrayList<>(List.of("build", "-r", LocalCloud.REGION, "--name", "nightly"));
    args.addAll(List.of(flagsThenImages));
    return local.runCli(args.toArray(String[]::new));
  }

  private Snapshot newest(Cloud cloud) {
    return cloud.allSnapshots().stream().max(Comparator.comparing(Snapshot::startTime)).orElseThrow();
  }

  @Test
  void aRebuildFromThePreviousSnapshotPullsAndStoresOnlyTheChangedLayersAndOutlivesItsParent() throws Exception {
    local = LocalCloud.start(TIME_SCALE);
    Cloud cloud = local.cloud();

    CliRun first = build(NGINX + "," + BUSYBOX);
    assertThat(first.exitCode()).as(first.err()).isZero();
    Snapshot parent = newest(cloud);
    assertThat(parent.blocks().parentSnapshotId()).as("a one-off build starts from scratch").isNull();
    assertThat(parent.blocks().storedBytes()).isEqualTo(parent.bytes());

    List<CatalogImage.Layer> before = cloud.catalog().find(NGINX).orElseThrow().platform("linux/amd64").orElseThrow()
        .layers();
    List<CatalogImage.Layer> changed = cloud.rebuildImage(NGINX).platform("linux/amd64").orElseThrow().layers()
        .stream().filter(layer -> !before.contains(layer)).toList();
    assertThat(changed).hasSize(1);
    long changedBytes = changed.get(0).size() + changed.get(0).unpackedSize();
    int layers = (int) cloud.catalog().find(NGINX).orElseThrow().platform("linux/amd64").orElseThrow().layers().stream()
        .map(CatalogImage.Layer::digest).distinct().count()
        + (int) cloud.catalog().find(BUSYBOX).orElseThrow().platform("linux/amd64").orElseThrow().layers().size();

    CliRun nightly = build("--from-previous", NGINX + "," + BUSYBOX);

    assertThat(nightly.exitCode()).as(nightly.err()).isZero();
    assertThat(nightly.out()).contains("  volume from " + parent.id() + ": " + (layers - 1) + " of " + layers
            + " layers already on it, ",
        BUSYBOX + " (linux/amd64) sha256:", "(already on the volume)", "  incremental from " + parent.id() + ", ");
    assertThat(nightly.out().lines().filter(line -> line.contains("(already on the volume)")))
        .singleElement().asString().contains(BUSYBOX);
    Snapshot child = newest(cloud);
    assertThat(child.tags()).containsEntry("precache:parent-snapshot", parent.id());
    assertThat(child.blocks().parentSnapshotId()).isEqualTo(parent.id());
    // The changed layer compressed and unpacked, nginx's new index, manifest and config, metadata pages.
    assertThat(child.blocks().storedBytes()).isBetween(changedBytes, changedBytes + (1 << 20));
    assertThat(child.contents()).extracting(VolumeImage::image).containsExactlyInAnyOrder(NGINX, BUSYBOX);

    cloud.region(LocalCloud.REGION).ec2().deleteSnapshot(parent.id());
    CliRun dropped = build("--from-previous", NGINX);

    assertThat(dropped.exitCode()).as(dropped.err()).isZero();
    assertThat(dropped.out()).contains("  volume from " + child.id() + ": ",
        "removed 1 image(s) no longer wanted: " + BUSYBOX);
    Snapshot grandchild = newest(cloud);
    assertThat(grandchild.blocks().parentSnapshotId()).isEqualTo(child.id());
    assertThat(grandchild.contents()).extracting(VolumeImage::image).containsExactly(NGINX);
    // Removing an image writes only containerd's metadata; nothing was pulled.
    assertThat(grandchild.blocks().storedBytes()).isPositive().isLessThan(1 << 20);
    assertNothingLeft(cloud);
  }
}
