package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class InstanceFitTest {

  private static BuildRequest request(String type, int parallelism) {
    BuildRequest request = BuildRequest.of("us-west-2", List.of("quay.io/ai/modelcar-catalog:m0"));
    request = BuildRequestValidatorTest.with(request, "instanceType", type);
    return BuildRequestValidatorTest.with(request, "pullParallelism", parallelism);
  }

  private static String warning(String type, int parallelism, List<ResolvedImage> images) {
    return InstanceFit.warning(request(type, parallelism), FakeCloud.family(type),
        VolumeSizing.of(images, OptionalDouble.empty()), images.size());
  }

  @Test
  void pullsThatOutlastTheBurstAreWarnedOfWithTheSmallestTypeThatSustainsThem() {
    // 4 pulls ask 600 MB/s (4.8 Gbit/s); an m5.large's credits carry 411 GB at that rate; 4 × 120 GiB are 515 GB.
    assertThat(warning("m5.large", 4, VolumePerformanceTest.models(4, 120))).isEqualTo("m5.large sustains"
        + " 0.75 Gbit/s (bursts to 10 Gbit/s for a few minutes); the pulls could use 4.8 Gbit/s, so once its burst"
        + " credits run out they will be bound by its network; m5.4xlarge sustains 5 Gbit/s");
  }

  @Test
  void pullsTheBurstCarriesAreNotWarnedOf() {
    // 5 × 14 GiB (75 GB) on the same m5.large: all within the burst.
    assertThat(warning("m5.large", 4, VolumePerformanceTest.models(5, 14))).isNull();
  }

  @Test
  void aTypeThatSustainsWhatThePullsUseIsNotWarnedOf() {
    // 4 pulls' 600 MB/s is below an m5.4xlarge's 625 MB/s baseline, however long the pull.
    assertThat(warning("m5.4xlarge", 4, VolumePerformanceTest.models(4, 500))).isNull();
  }

  @Test
  void theSuggestionSustainsWhatThePullsGetDuringTheBurst() {
    // 32 pulls could ask 4.8 GB/s; a g5.2xlarge gives them its 10 Gbit/s peak; g5.4xlarge sustains that.
    assertThat(warning("g5.2xlarge", 32, VolumePerformanceTest.models(32, 100)))
        .startsWith("g5.2xlarge sustains 5 Gbit/s (bursts to 10 Gbit/s").contains("could use 10 Gbit/s")
        .endsWith("; g5.4xlarge sustains 10 Gbit/s");
  }

  @Test
  void whenNoSizeSustainsThePullsTheFamilysBestIsNamed() {
    // t3 sizes all burst to 5 Gbit/s; none sustains the 4.8 Gbit/s 4 pulls get; t3.2xlarge sustains the most.
    List<InstanceCapacity> t3 = List.of(new InstanceCapacity("t3.large", 2, 0.512, 5),
        new InstanceCapacity("t3.xlarge", 4, 1.024, 5), new InstanceCapacity("t3.2xlarge", 8, 2.048, 5));
    List<ResolvedImage> images = VolumePerformanceTest.models(4, 120);
    String warning = InstanceFit.warning(request("t3.large", 4), new InstanceCapacity.Family(t3.get(0), t3),
        VolumeSizing.of(images, OptionalDouble.empty()), images.size());
    assertThat(warning).startsWith("t3.large sustains 0.512 Gbit/s (bursts to 5 Gbit/s")
        .endsWith("; t3.2xlarge sustains 2.048 Gbit/s");
  }

  @Test
  void noLookupNoWarning() {
    assertThat(InstanceFit.warning(request("m5.large", 4), null,
        VolumeSizing.of(VolumePerformanceTest.models(4, 500), OptionalDouble.empty()), 4)).isNull();
  }
}
