package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class VolumePerformanceTest {
  private static final long GIB = VolumeSizing.GIB;
  private static final InstanceCapacity G5_2XLARGE = new InstanceCapacity("g5.2xlarge", 8, 5, 10);
  private static final InstanceCapacity G5_8XLARGE = new InstanceCapacity("g5.8xlarge", 32, 25, 25);
  private static final InstanceCapacity M5_LARGE = new InstanceCapacity("m5.large", 2, 0.75, 10);

  /** {@code count} model images of one weights layer of {@code gib} each: they unpack 1:1. */
  static List<ResolvedImage> models(int count, long gib) {
    return IntStream.range(0, count).mapToObj(i -> new ResolvedImage("quay.io/ai/modelcar-catalog:m" + i,
        "linux/amd64", "sha256:i" + i, "sha256:m" + i, "sha256:c" + i, 1_000,
        List.of(new ResolvedLayer("sha256:w" + i, "application/vnd.oci.image.layer.v1.tar+gzip", gib * GIB))))
        .toList();
  }

  private static BuildRequest request(String type, Integer parallelism, Integer throughput, Integer iops) {
    BuildRequest request = BuildRequest.of("us-west-2", List.of("quay.io/ai/modelcar-catalog:m0"));
    request = BuildRequestValidatorTest.with(request, "instanceType", type);
    request = BuildRequestValidatorTest.with(request, "pullParallelism", parallelism);
    request = BuildRequestValidatorTest.with(request, "volumeThroughputMiBps", throughput);
    return BuildRequestValidatorTest.with(request, "volumeIops", iops);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // A few GiB: under a minute of writes at the floor, so snapshot.sh's 1,000 MiB/s and 4,000 IOPS.
        Arguments.of("small plan keeps the floor", request("g5.8xlarge", 4, null, null), G5_8XLARGE, models(2, 2),
            100, 1000, 4000, false),
        // 5 × 14 GiB on a g5.2xlarge, 4 pulls: downloads at 12 × 50 MB/s = 600 MB/s, the unpacked copy as fast
        // (8 cores inflate 773 MB/s), ×2.01 written: 1,153 MiB/s → 1,200 MiB/s, IOPS 4,800 → 5,000.
        Arguments.of("GPU set on a g5.2xlarge", request("g5.2xlarge", 4, null, null), G5_2XLARGE, models(5, 14),
            170, 1200, 5000, false),
        // 16 pulls at once on a 25 Gbit/s g5.8xlarge could write 4.6 GB/s: capped at gp3's 2,000 MiB/s, 8,000 IOPS.
        Arguments.of("capped at gp3's maximum", request("g5.8xlarge", 16, null, null), G5_8XLARGE, models(16, 10),
            400, 2000, 8000, false),
        // One pull: 3 connections, 150 MB/s: never more than the floor however big.
        Arguments.of("one pull cannot use more", request("g5.2xlarge", 1, null, null), G5_2XLARGE, models(1, 100),
            240, 1000, 4000, false),
        // A 6 GiB volume holds at most 3,000 IOPS (500 per GiB, 3,000 the least): 750 MiB/s.
        Arguments.of("tiny volume bounds the IOPS", request("m5.large", 4, null, null), M5_LARGE, models(1, 1),
            6, 750, 3000, false),
        Arguments.of("both given: as asked", request("g5.2xlarge", 4, 250, 3000), G5_2XLARGE, models(5, 14),
            170, 250, 3000, true),
        // Throughput alone: the IOPS it needs (2,000 MiB/s needs 8,000).
        Arguments.of("throughput alone gets its IOPS", request("m5.large", 4, 2000, null), M5_LARGE, models(1, 1),
            100, 2000, 8000, true),
        // IOPS alone: the chosen throughput, within 0.25 MiB/s per IOPS.
        Arguments.of("IOPS alone bounds the throughput", request("g5.2xlarge", 4, null, 3000), G5_2XLARGE,
            models(5, 14), 170, 750, 3000, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void choosesForThePlanAndTheInstance(String name, BuildRequest request, InstanceCapacity capacity,
      List<ResolvedImage> images, int volumeGiB, int throughput, int iops, boolean requested) {
    VolumeSizing sizing = VolumeSizing.of(images, OptionalDouble.empty());

    VolumePerformance chosen = VolumePerformance.choose(request, capacity, sizing, images.size(), volumeGiB);

    assertThat(chosen.throughputMiBps()).isEqualTo(throughput);
    assertThat(chosen.iops()).isEqualTo(iops);
    assertThat(chosen.requested()).isEqualTo(requested);
    assertThat(chosen.throughputMiBps()).isLessThanOrEqualTo(chosen.iops() / 4);
    assertThat(chosen.iops()).isBetween(VolumePerformance.MIN_IOPS, VolumePerformance.MAX_IOPS);
  }

  @Test
  void costIsTheProvisionedPerformancesShareForTheBuild() {
    BuildRequest request = request("g5.8xlarge", 16, 2000, 8000);
    List<ResolvedImage> images = models(1, 1);
    VolumePerformance chosen = VolumePerformance.choose(request, G5_8XLARGE,
        VolumeSizing.of(images, OptionalDouble.empty()), 1, 100);

    // (2,000 − 125) × $0.040 + (8,000 − 3,000) × $0.005 = $100 a month; 73 hours are a tenth of 730: $10.
    assertThat(chosen.costedFor(Duration.ofHours(73)).buildCostDollars()).isCloseTo(10.0,
        org.assertj.core.api.Assertions.within(1e-9));
    // gp3's baseline costs nothing extra.
    VolumePerformance baseline = VolumePerformance.choose(request("m5.large", 1, 125, 3000), M5_LARGE,
        VolumeSizing.of(images, OptionalDouble.empty()), 1, 100);
    assertThat(baseline.costedFor(Duration.ofHours(5)).buildCostDollars()).isZero();
  }

  @Test
  void summarySaysWhatWasChosenWhyAndTheCost() {
    List<ResolvedImage> images = models(5, 14);
    VolumeSizing sizing = VolumeSizing.of(images, OptionalDouble.empty());
    VolumePerformance chosen = VolumePerformance.choose(request("g5.2xlarge", 4, null, null), G5_2XLARGE, sizing,
        5, 170).costedFor(Duration.ofMinutes(20));

    // (1,075 × 0.04 + 2,000 × 0.005) = $53 a month, for 20 minutes: $0.024.
    assertThat(chosen.summary(170)).isEqualTo("170 GiB gp3, 1200 MiB/s, 5000 IOPS (chosen for 141.0 GiB of writes"
        + " on g5.2xlarge, which could write 1153 MiB/s; about $0.02 for this build)");
    VolumePerformance asked = VolumePerformance.choose(request("g5.2xlarge", 4, 125, 3000), G5_2XLARGE, sizing, 5,
        170).costedFor(Duration.ofMinutes(20));
    assertThat(asked.summary(170)).isEqualTo(
        "170 GiB gp3, 125 MiB/s, 3000 IOPS (as requested; under $0.01 for this build)");
    VolumePerformance tiny = VolumePerformance.choose(request("m5.large", 4, null, null), M5_LARGE,
        VolumeSizing.of(models(1, 1), OptionalDouble.empty()), 1, 4);
    assertThat(tiny.summary(4)).contains("750 MiB/s, 3000 IOPS (").contains("; a 4 GiB gp3 volume allows 3000 IOPS"
        + " at most;");
  }
}
