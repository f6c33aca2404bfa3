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

    // 1 GiB fetched, then inflated at ≈ 92 MiB/s (11.1 s); 2 GiB written, copied at 150 MiB/s after 8 s.
    assertThat(incremental.phases().get(3).duration().toSeconds()).isBetween(17L, 19L);
    assertThat(incremental.phases().get(5).duration().toSeconds()).isBetween(21L, 22L);
    assertThat(incremental.phases().get(5).why()).startsWith("2.0 GiB written of 100 GiB");
    assertThat(incremental.total()).isLessThan(full.total().dividedBy(2));
  }

  @Test
  void moreVolumeThroughputLeavesTheRegistryConnectionsAsTheBound() {
    BuildTimeModel.Estimate estimate = BuildTimeModel.estimate(request("g5.2xlarge", 1000), G5_2XLARGE, tenGiB(), 20 * GIB, 100);

    // 10 GiB at 3 × 50 MB/s = 71.6 s, unpack on 3 streams = 37 s, 20 GiB written at 1000 MiB/s = 20.5 s; + 55.6 s.
    assertThat(estimate.phases().get(3).duration().toSeconds()).isBetween(126L, 128L);
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
    // m5.large: 0.75 Gbit/s sustained, 10 at the peak. One 500 GiB layer at 3 × 50 MB/s (150 MB/s): the credits,
    // 300 s × (1,250 − 93.75) MB/s = 346.9 GB, drain at 150 − 93.75 MB/s, so the burst carries 925 GB: all of it.
    InstanceCapacity m5Large = new InstanceCapacity("m5.large", 2, 0.75, 10);
    List<ResolvedImage> image = List.of(new ResolvedImage("quay.io/a/b:1", "linux/amd64", "sha256:i", "sha256:m",
        "sha256:c", 0, List.of(new ResolvedLayer("sha256:1", "gzip", 500 * GIB))));
    BuildRequest fast = request("m5.large", 2000);
    double burstOnly = BuildTimeModel.estimate(fast, m5Large, image, 500 * GIB, 600).phases().get(3).duration()
        .toSeconds();
    // 500 GiB at 150 MB/s = 3,579 s, then the layer's own inflate, 5,556 s at 92 MiB/s.
    assertThat(burstOnly).isBetween(9_130.0, 9_140.0);

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
        .endsWith("; 12 pulls at once, each downloading every layer at once (ctr --local)");
    assertThat(BuildTimeModel.estimate(BuildRequestValidator.normalize(with(fast, 1)), m5Large, twelve, 600 * GIB, 700)
        .phases().get(3).why()).endsWith("; 1 pull at a time, 3 layers at once (containerd's transfer service)");
  }

  private static BuildRequest with(BuildRequest request, int parallelism) {
    return BuildRequestValidatorTest.with(request, "pullParallelism", parallelism);
  }
}
