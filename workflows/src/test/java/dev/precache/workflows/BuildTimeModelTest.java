package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildTimeModelTest {
  private static final long GIB = VolumeSizing.GIB;

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
    BuildTimeModel.Estimate estimate = BuildTimeModel.estimate(request("g5.2xlarge", null), tenGiB(), 20 * GIB, 100);

    BuildTimeModel.Phase pull = estimate.phases().get(3);
    // 20 GiB written at 125 MiB/s = 163.8 s, then the last 5 GiB layer's inflate at ≈ 92 MiB/s = 55.6 s.
    assertThat(pull.duration().toSeconds()).isBetween(218L, 220L);
    assertThat(estimate.total()).isEqualTo(estimate.phases().stream().map(BuildTimeModel.Phase::duration)
        .reduce(Duration.ZERO, Duration::plus));
  }

  @Test
  void moreVolumeThroughputLeavesTheRegistryConnectionsAsTheBound() {
    BuildTimeModel.Estimate estimate = BuildTimeModel.estimate(request("g5.2xlarge", 1000), tenGiB(), 20 * GIB, 100);

    // 10 GiB at 3 × 50 MB/s = 71.6 s, unpack on 3 streams = 37 s, 20 GiB written at 1000 MiB/s = 20.5 s; + 55.6 s.
    assertThat(estimate.phases().get(3).duration().toSeconds()).isBetween(126L, 128L);
  }

  @Test
  void theStackWithoutIamIsTheBuilderStacksShareAndAnOwnRoleStillPaysForTheProfile() {
    BuildTimeModel.Phase shared = BuildTimeModel.estimate(request("g5.2xlarge", null), tenGiB(), 20 * GIB, 100)
        .phases().get(0);
    BuildRequest ownRole = BuildRequestValidatorTest.with(request("g5.2xlarge", null), "instanceRole", "team-role");
    BuildTimeModel.Phase own = BuildTimeModel.estimate(ownRole, tenGiB(), 20 * GIB, 100).phases().get(0);

    assertThat(shared.name()).isEqualTo("stack");
    assertThat(shared.duration()).isEqualTo(Duration.ofSeconds(40));
    assertThat(shared.why()).contains("builder stack holds the instance profile");
    assertThat(own.duration()).isEqualTo(Duration.ofSeconds(190));
    assertThat(own.why()).isEqualTo("CloudFormation stack with a new instance profile");
  }
}
