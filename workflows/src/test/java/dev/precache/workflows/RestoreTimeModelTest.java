package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestoreTimeModelTest {
  private static final long GIB = 1L << 30;

  @Test
  void lazyFetchesEveryByteAtTheFetchRateAndCostsNothing() {
    RestoreTimeModel.Estimate lazy = RestoreTimeModel.lazy(30 * GIB);
    // 30 GiB at 7 MiB/s
    assertThat(lazy.untilReadable()).isEqualTo(Duration.ofMillis((long) Math.ceil(30 * 1024 / 7.0 * 1000)));
    assertThat(lazy.dollarsPerMonth()).isZero();
    assertThat(lazy.summary()).startsWith("lazy: every image readable 1h13m after the volume is created")
        .endsWith("no extra cost");
  }

  @Test
  void aRateIsBoundByTheVolumesThroughputWhenThatIsLower() {
    assertThat(RestoreTimeModel.rate(30 * GIB, 1000, 300).untilReadable()).isEqualTo(Duration.ofMillis(102_400));
    RestoreTimeModel.Estimate slowVolume = RestoreTimeModel.rate(30 * GIB, 125, 300);
    assertThat(slowVolume.readMiBps()).isEqualTo(125);
    assertThat(slowVolume.untilReadable()).isEqualTo(Duration.ofMillis(245_760));
    assertThat(slowVolume.dollarsPerMonth()).as("not priced here").isNull();
    assertThat(slowVolume.summary()).contains("at 125 MiB/s, the volume's throughput");
  }

  @Test
  void fastRestoreReadsAtThroughputAndCostsPerZoneHourAndTakesAnHourPerTibToEnable() {
    RestoreTimeModel.Estimate fast = RestoreTimeModel.fastRestore(30 * GIB, 512, 1000,
        List.of("us-west-2a", "us-west-2b"));
    assertThat(fast.untilReadable()).isEqualTo(Duration.ofMillis(30_720));
    assertThat(fast.enableTime()).isEqualTo(Duration.ofMinutes(30));
    assertThat(fast.dollarsPerMonth()).isEqualTo(2 * 0.75 * 730);
    assertThat(fast.summary()).contains("$1.50 per hour, about $1095 per month");
  }

  @Test
  void theChosenEstimateFollowsTheRequest() {
    BuildRequest base = BuildRequestValidator.normalize(BuildRequest.of("us-west-2", List.of("busybox")));
    VolumeSizing sizing = VolumeSizing.of(List.of(), java.util.OptionalDouble.empty());
    assertThat(RestoreTimeModel.forRequest(base, sizing, 10, null).method()).isEqualTo(RestoreTimeModel.Method.LAZY);
    List<RestoreTimeModel.Estimate> options = RestoreTimeModel.alternativesForRequest(base, sizing, 10, null);
    assertThat(options).extracting(RestoreTimeModel.Estimate::method).containsExactly(RestoreTimeModel.Method.LAZY,
        RestoreTimeModel.Method.RATE, RestoreTimeModel.Method.FAST_RESTORE);
    assertThat(options.get(2).zones()).containsExactly("us-west-2a");
    assertThat(RestoreTimeModel.chosen(GIB, 10, 125, null, List.of("us-west-2b")).method())
        .isEqualTo(RestoreTimeModel.Method.FAST_RESTORE);
    assertThat(RestoreTimeModel.chosen(GIB, 10, 125, 200, List.of()).rateMiBps()).isEqualTo(200);
  }
}
