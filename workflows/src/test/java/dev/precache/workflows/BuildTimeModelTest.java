package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildTimeModelTest {
  private static final long GIB = VolumeSizing.GIB;
  /** As DescribeInstanceTypes describes it: 8 vCPUs, 5 Gbit/s baseline, up to 10. */
  private static final InstanceCapacity G5_2XLARGE = new InstanceCapacity("g5.2xlarge", 8, 5, 10);

  private static BuildRequest request(String instanceType, Integer throughput) {
    return BuildRequestValidator.normalize(new BuildRequest("t", "us-west-2", List.of("quay.io/a/b:1"), null, null,
        instanceType, false, null, null, null, null, null, null, true, Map.of(), null, null, throughput,
        throughput == null ? null : 4 * throughput));
  }

  private static List<ResolvedImage> tenGiB() {
    return List.of(new ResolvedImage("quay.io/a/b:1", "linux/amd64", "sha256:i", "sha256:m", "sha256:c", 0,
        List.of(new ResolvedLayer("sha256:1", "gzip", 5 * GIB), new ResolvedLayer("sha256:2", "gzip", 5 * GIB))));
  }

  @Test
  void aGp3BaselineVolumeBoundsThePullByEverythingItWrites() {
    BuildTimeModel.Estimate estimate = BuildTimeModel.estimate(request("g5.2xlarge", null), G5_2XLARGE, tenGiB(), 20 * GIB, 100);

    BuildTimeModel.Phase pull = estimate.phases().get(3);
    // 20 GiB written at 125 MiB/s = 163.8 s, then the last 5 GiB layer's inflate at ≈ 92 MiB/s = 55.6 s.
    assertThat(pull.duration().toSeconds()).isBetween(218L, 220L);
    assertThat(estimate.total()).isEqualTo(estimate.phases().stream().map(BuildTimeModel.Phase::duration)
        .reduce(Duration.ZERO, Duration::plus));
  }

  @Test
  void anIncrementalRebuildIsEstimatedByTheChangedLayerAloneAndItsSnapshotByWhatThatWrites() {
    BuildRequest request = request("g5.2xlarge", 1000);
    List<ResolvedImage> changed = List.of(new ResolvedImage("quay.io/a/b:1", "linux/amd64", "sha256:i2", "sha256:m2",
        "sha256:c2", 0, List.of(new ResolvedLayer("sha256:3", "gzip", GIB))));

    BuildTimeModel.Estimate full = BuildTimeModel.estimate(request, G5_2XLARGE, tenGiB(), 20 * GIB, 100);
    BuildTimeModel.Estimate incremental = BuildTimeModel.incremental(request, G5_2XLARGE, changed, 2.0, 100);

    // 1 GiB fetched and 2 GiB written at 1000 MiB/s (2.0 s; 1.4 s to inflate on 8 streams, containerd 2.2's parallel
    // unpack), then its own inflate at ≈ 92 MiB/s (11.1 s); the 2 GiB copied at 150 MiB/s after 8 s.
    assertThat(incremental.phases().get(3).duration().toSeconds()).isBetween(13L, 14L);
    assertThat(incremental.phases().get(5).duration().toSeconds()).isBetween(21L, 22L);
    assertThat(incremental.phases().get(5).why()).startsWith("2.0 GiB written of 100 GiB");
    assertThat(incremental.total()).isLessThan(full.total().dividedBy(2));
  }

  @Test
  void moreVolumeThroughputLeavesTheUnpackAsTheBoundUnlessItRunsInParallel() {
    BuildRequest onContainerd17 = BuildRequestValidatorTest.with(request("g5.2xlarge", 1000), "amiParameter",
        "/aws/service/bottlerocket/aws-k8s-1.32/x86_64/latest/image_id");
    BuildTimeModel.Estimate inOrder = BuildTimeModel.estimate(onContainerd17, G5_2XLARGE, tenGiB(), 20 * GIB, 100);
    BuildTimeModel.Estimate parallel = BuildTimeModel.estimate(request("g5.2xlarge", 1000), G5_2XLARGE, tenGiB(),
        20 * GIB, 100);

    // 10 GiB at min(network 1,250, volume 1,049, the tuned 25 × 50 MB/s) = 10.2 s, unpack on 3 streams = 37 s,
    // 20 GiB written at 1000 MiB/s = 20.5 s; + 55.6 s.
    assertThat(inOrder.phases().get(3).duration().toSeconds()).isBetween(92L, 93L);
    assertThat(inOrder.phases().get(3).why()).doesNotContain("unpacked at once");
    // The default AMI's containerd 2.2 unpacks on 8 streams (13.9 s): the 20.5 s of writes bound it; + 55.6 s.
    assertThat(parallel.phases().get(3).duration().toSeconds()).isBetween(76L, 77L);
    assertThat(parallel.phases().get(3).why()).contains("unpack at 8×97 MB/s").endsWith(", 8 layers unpacked at once");
  }

  @Test
  void theStackWithoutIamIsTheBuilderStacksShareAndAnOwnRoleStillPaysForTheProfile() {
    BuildTimeModel.Phase shared = BuildTimeModel.estimate(request("g5.2xlarge", null), G5_2XLARGE, tenGiB(), 20 * GIB, 100)
        .phases().get(0);
    BuildRequest ownRole = BuildRequestValidatorTest.with(request("g5.2xlarge", null), "instanceRole", "team-role");
    BuildTimeModel.Phase own = BuildTimeModel.estimate(ownRole, G5_2XLARGE, tenGiB(), 20 * GIB, 100).phases().get(0);

    assertThat(shared.name()).isEqualTo("stack");
    assertThat(shared.duration()).isEqualTo(Duration.ofSeconds(40));
    assertThat(shared.why()).contains("builder stack holds the instance profile");
    assertThat(own.duration()).isEqualTo(Duration.ofSeconds(190));
    assertThat(own.why()).isEqualTo("CloudFormation stack with a new instance profile");
  }

  @Test
  void aPullThatOutlastsTheBurstRunsAtTheBaselineAfterIt() {
    // m5.large: 0.75 Gbit/s sustained, 10 at the peak. One 500 GiB layer over the tuned transfer service's 25 × 50
    // MB/s (1,250 MB/s): the credits, 300 s × (1,250 − 93.75) MB/s = 346.9 GB, last 300 s and carry 375 GB; the
    // other 161.9 GB take 1,726.6 s at 93.75 MB/s.
    InstanceCapacity m5Large = new InstanceCapacity("m5.large", 2, 0.75, 10);
    List<ResolvedImage> image = List.of(new ResolvedImage("quay.io/a/b:1", "linux/amd64", "sha256:i", "sha256:m",
        "sha256:c", 0, List.of(new ResolvedLayer("sha256:1", "gzip", 500 * GIB))));
    assertThat(m5Large.downloadSeconds(500 * GIB, 1250e6))
        .isCloseTo(300 + (500 * GIB - 375e9) / 93.75e6, org.assertj.core.api.Assertions.within(0.5));
    BuildRequest fast = request("m5.large", 2000);
    double burstThenBaseline = BuildTimeModel.estimate(fast, m5Large, image, 500 * GIB, 600).phases().get(3).duration()
        .toSeconds();
    // That 2,027 s download is under the unpack on 2 streams (2,782 s); then the layer's own inflate, 5,556 s.
    assertThat(burstThenBaseline).isBetween(8_330.0, 8_340.0);

    // Twelve pulls at once ask 1,800 MB/s of registry connections: the peak's 1,250 MB/s while the credits last
    // (300 s × 1,156.25 / 1,156.25 = 300 s, 375 GB), then 93.75 MB/s for the rest.
    List<ResolvedImage> twelve = java.util.stream.IntStream.range(0, 12).mapToObj(i -> new ResolvedImage(
        "quay.io/a/b:" + i, "linux/amd64", "sha256:i" + i, "sha256:m" + i, "sha256:c" + i, 0,
        List.of(new ResolvedLayer("sha256:" + i, "gzip", 50 * GIB)))).toList();
    BuildRequest parallel = BuildRequestValidator.normalize(with(fast, 12));
    double download = m5Large.downloadSeconds(600 * GIB, 1800e6);
    assertThat(download).isCloseTo(300 + (600 * GIB - 375e9) / 93.75e6, org.assertj.core.api.Assertions.within(0.5));
    assertThat(BuildTimeModel.estimate(parallel, m5Large, twelve, 600 * GIB, 700).phases().get(3).why())
        .contains("network 1250, 94 after the burst")
        .endsWith("; 12 pulls at once through containerd's transfer service: 36 registry requests at once, layers"
            + " in 16 MiB chunks, 12 layers unpacked at once");
    // One pull: as many requests as fill the 1,250 MB/s peak at 50 MB/s each.
    assertThat(BuildTimeModel.estimate(BuildRequestValidator.normalize(with(fast, 1)), m5Large, twelve, 600 * GIB, 700)
        .phases().get(3).why()).contains("registry 25×50").endsWith("; 1 pull at a time through containerd's"
            + " transfer service: 25 registry requests at once, layers in 16 MiB chunks, 12 layers unpacked at once");
  }

  private static BuildRequest with(BuildRequest request, int parallelism) {
    return BuildRequestValidatorTest.with(request, "pullParallelism", parallelism);
  }
}
